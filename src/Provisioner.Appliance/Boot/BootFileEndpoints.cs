using Microsoft.Net.Http.Headers;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// Serves boot files over HTTP with Range and ETag support: the live kernel and initrd (/boot/live/...), the boot
/// loaders for UEFI HTTP boot (/boot/pxe/...), and OS images (/images/...). Anonymous: nodes have no credentials
/// before they boot; nothing secret lives in these folders.
/// </summary>
public static class BootFileEndpoints
{
    public static IEndpointRouteBuilder MapBootFiles(this IEndpointRouteBuilder app, ApplianceSettings settings)
    {
        var live = new SafeFileResolver(settings.Paths.LiveImage);
        var pxe = new SafeFileResolver(settings.Paths.Pxe);
        var images = new SafeFileResolver(ImagesDirectory(settings));

        app.MapMethods("/boot/live/{*path}", ["GET", "HEAD"], (string path, HttpContext context) => Serve(live, path, context));
        app.MapMethods("/boot/pxe/{*path}", ["GET", "HEAD"], (string path, HttpContext context) => Serve(pxe, path, context));
        app.MapMethods("/images/{*path}", ["GET", "HEAD"], (string path, HttpContext context) => Serve(images, path, context));
        return app;
    }

    /// <summary>Where imported images live: Paths:Images, or "images" in the data directory.</summary>
    public static string ImagesDirectory(ApplianceSettings settings) =>
        string.IsNullOrEmpty(settings.Paths.Images) ? Path.Combine(settings.DataDirectory, "images") : settings.Paths.Images;

    private static IResult Serve(SafeFileResolver resolver, string path, HttpContext context)
    {
        var full = resolver.Resolve(path);
        if (full is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"No file '{path}' here. Boot files are made by 'make pxe' and 'make images'.");
        }

        var info = new FileInfo(full);
        // A strong validator from size and modification time: a rebuilt file gets a new ETag.
        var etag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
        context.Response.Headers.CacheControl = "no-cache";
        return Results.File(full, "application/octet-stream", fileDownloadName: null,
            lastModified: info.LastWriteTimeUtc, entityTag: etag, enableRangeProcessing: true);
    }
}
