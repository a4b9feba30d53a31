using Provisioner.Boot.Timeline;
using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// Which image files a node's boot token opens, for installers (InstallerImageEndpoint) and the live agent
/// (AgentEndpoints) alike: the files of the image the node is being deployed with, while it is deploying.
/// </summary>
public static class NodeImageAccess
{
    /// <summary>Null when <paramref name="node"/> may read <paramref name="path"/> (relative to the images directory);
    /// otherwise the 409 or 403 problem to answer, recorded on the node's boot timeline.</summary>
    public static async Task<IResult?> RefusalAsync(Node node, string path, IImageRepository images, BootTimeline timeline, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(timeline);
        var mac = node.Interfaces.FirstOrDefault(i => i.IsPxe)?.Mac;
        if (node.State != NodeState.Deploying || node.Deploy.Image is not { } imageName)
        {
            timeline.Record(BootEventSource.Http, "image-refused", $"{ClientText.Printable(path)} refused: {node.Hostname} is {node.State}, not deploying", mac, node.Id);
            return Results.Problem(statusCode: 409, title: "Not deploying",
                detail: $"{node.Hostname} is {node.State.ToString().ToLowerInvariant()}: its image is served only during its deploy. Deploy it again to reinstall.");
        }

        var image = await images.FindByNameAsync(imageName, ct).ConfigureAwait(false);
        if (image is null || !Covers(image.Location, path))
        {
            timeline.Record(BootEventSource.Http, "image-refused", $"{ClientText.Printable(path)} refused: {node.Hostname} is deployed with {imageName}", mac, node.Id);
            return Results.Problem(statusCode: 403, title: "Not this node's image",
                detail: $"{node.Hostname}'s boot token opens only the image it is deployed with ({imageName}), not '{ClientText.Printable(path)}'.");
        }

        return null;
    }

    /// <summary>The image's own file, or a file of its chunked directory (location "NAME/index.json" covers "NAME/...").</summary>
    public static bool Covers(string location, string path)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(path);
        var own = location.TrimStart('/');
        if (string.Equals(own, path, StringComparison.Ordinal))
        {
            return true;
        }

        var slash = own.LastIndexOf('/');
        return slash > 0 && own.EndsWith("/index.json", StringComparison.Ordinal)
            && path.StartsWith(own[..(slash + 1)], StringComparison.Ordinal) && !path.Contains("..", StringComparison.Ordinal);
    }
}
