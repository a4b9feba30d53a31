using Microsoft.Net.Http.Headers;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// Serves boot files over HTTP with Range and ETag support: the live kernel and initrd (/boot/live/...) and the boot
/// loaders for UEFI HTTP boot (/boot/pxe/...). Anonymous: nodes have no credentials before they boot, and these
/// files hold no secret. OS images are served only against a boot token: to installers at /boot/images/{token}/...
/// (InstallerImageEndpoint), to the live agent at /api/agent/v1/images/... (AgentEndpoints).
/// </summary>
public static class BootFileEndpoints
{
    public static IEndpointRouteBuilder MapBootFiles(this IEndpointRouteBuilder app, ApplianceSettings settings)
    {
        var live = new SafeFileResolver(settings.Paths.LiveImage);
        var pxe = new SafeFileResolver(settings.Paths.Pxe);

        app.MapMethods("/boot/live/{*path}", ["GET", "HEAD"], (string path, HttpContext context) => Serve(live, path, context, BootFilesHint));
        app.MapMethods("/boot/pxe/{*path}", ["GET", "HEAD"], (string path, HttpContext context) => Serve(pxe, path, context, BootFilesHint));
        return app;
    }

    /// <summary>Where imported images live: Paths:Images, or "images" in the data directory.</summary>
    public static string ImagesDirectory(ApplianceSettings settings) =>
        string.IsNullOrEmpty(settings.Paths.Images) ? Path.Combine(settings.DataDirectory, "images") : settings.Paths.Images;

    /// <summary>What to do about a missing image.</summary>
    public const string ImagesHint = "Images are uploaded or imported with 'provisioner image upload/import'; check the image's location.";

    private const string BootFilesHint = "Boot files are made by 'make pxe' and 'make images'.";

    /// <summary>A file under the resolver's root with Range/If-Range and a strong ETag, or 404 naming the path.</summary>
    public static IResult Serve(SafeFileResolver resolver, string path, HttpContext context, string hint)
    {
        var full = resolver.Resolve(path);
        if (full is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No file '{path}' here. {hint}");
        }

        var info = new FileInfo(full);
        // A strong validator from size and modification time: a rebuilt file gets a new ETag.
        var etag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
        context.Response.Headers.CacheControl = "no-cache";
        return Results.File(full, "application/octet-stream", fileDownloadName: null,
            lastModified: info.LastWriteTimeUtc, entityTag: etag, enableRangeProcessing: true);
    }
}
