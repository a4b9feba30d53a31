using Provisioner.Appliance.Options;
using Provisioner.Boot.Timeline;
using Provisioner.Boot.Tokens;
using Provisioner.Core.Boot;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// GET|HEAD /boot/images/{token}/{path}: the OS image an installer or a first-boot script downloads during a deploy
/// (templates' <c>image.url</c>), with Range and ETag. The boot token in the URL is the credential: it opens only the
/// image its node is being deployed with (its file, or the files of its chunked directory), and only while the node
/// is deploying. Nothing under the images directory is served anonymously. The live agent uses the token-checked
/// /api/agent/v1/images/... instead (AgentEndpoints).
/// </summary>
public static class InstallerImageEndpoint
{
    /// <summary>The path prefix, followed by the boot token and the image's location.</summary>
    public const string Prefix = "/boot/images";

    public static IEndpointRouteBuilder MapInstallerImages(this IEndpointRouteBuilder app, ApplianceSettings settings)
    {
        var images = new SafeFileResolver(BootFileEndpoints.ImagesDirectory(settings));
        app.MapMethods(Prefix + "/{token}/{*path}", ["GET", "HEAD"],
            (string token, string path, HttpContext context, BootTokenService tokens, INodeRepository nodes, IImageRepository imageRecords,
                BootTimeline timeline, CancellationToken ct) => ServeAsync(images, token, path, context, tokens, nodes, imageRecords, timeline, ct));
        return app;
    }

    private static async Task<IResult> ServeAsync(SafeFileResolver images, string token, string path, HttpContext context, BootTokenService tokens,
        INodeRepository nodes, IImageRepository imageRecords, BootTimeline timeline, CancellationToken ct)
    {
        var (node, refused) = await BootTokenNode.ResolveAsync(token, tokens, nodes, ct);
        if (node is null)
        {
            return refused!;
        }

        if (await NodeImageAccess.RefusalAsync(node, path, imageRecords, timeline, ct) is { } notThisImage)
        {
            return notThisImage;
        }

        if (!context.Request.Headers.ContainsKey("Range"))
        {
            // Once per download, not per range request of a resumed or chunked one.
            timeline.Record(BootEventSource.Http, "image-download", $"{ClientText.Printable(path)} of {node.Deploy.Image} for {node.Hostname}",
                node.Interfaces.FirstOrDefault(i => i.IsPxe)?.Mac, node.Id, new { image = node.Deploy.Image, path });
        }

        return BootFileEndpoints.Serve(images, path, context, BootFileEndpoints.ImagesHint);
    }
}
