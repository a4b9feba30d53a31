using Provisioner.Boot.Timeline;
using Provisioner.Boot.Tokens;
using Provisioner.Core.Boot;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Templates.Context;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// GET /boot/config/{token}/{file}: the answer file a distribution installer fetches during a deploy (kickstart,
/// preseed, or the autoinstall NoCloud seed: user-data, meta-data, vendor-data), rendered for the node of the boot
/// token in the URL (templates' <c>appliance.configUrl</c>). The token is the credential: secrets are rendered only
/// into what this node is served, and only while it is deploying.
/// </summary>
public static class InstallerConfigEndpoint
{
    /// <summary>The template of each file when the node's profile names none.</summary>
    public static IReadOnlyDictionary<string, string> DefaultTemplates { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["kickstart"] = "kickstart/rocky9.ks",
        ["preseed"] = "preseed/debian12.preseed",
        ["user-data"] = "autoinstall/user-data",
        ["meta-data"] = "cloud-init/meta-data",
        ["network-config"] = "cloud-init/network-config",
    };

    public static IEndpointRouteBuilder MapInstallerConfigs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/boot/config/{token}/{file}", ServeAsync);
        return app;
    }

    private static async Task<IResult> ServeAsync(string token, string file, BootTokenService tokens, INodeRepository nodes, IProfileRepository profiles,
        NodeTemplates templates, BootTimeline timeline, ILoggerFactory loggers, CancellationToken ct)
    {
        var (node, refused) = await BootTokenNode.ResolveAsync(token, tokens, nodes, ct);
        if (node is null)
        {
            return refused!;
        }

        var mac = node.Interfaces.FirstOrDefault(i => i.IsPxe)?.Mac;
        if (node.State != NodeState.Deploying)
        {
            timeline.Record(BootEventSource.Http, "installer-config", $"{file} refused: {node.Hostname} is {node.State}, not deploying", mac, node.Id);
            return Results.Problem(statusCode: 409, title: "Not deploying",
                detail: $"{node.Hostname} is {node.State.ToString().ToLowerInvariant()}: answer files are served only during its deploy. Deploy it again to reinstall.");
        }

        if (file == "vendor-data")
        {
            return Results.Text(string.Empty, "text/plain; charset=utf-8"); // cloud-init asks for it; everything is in user-data
        }

        var profile = node.Deploy.Profile is { } name ? await profiles.FindByNameAsync(name, ct) : null;
        var template = profile?.Templates.GetValueOrDefault(file) ?? DefaultTemplates.GetValueOrDefault(file);
        if (template is null)
        {
            return Results.Problem(statusCode: 404, title: "No such answer file",
                detail: $"No answer file '{ClientText.Printable(file, 64)}' for {node.Hostname}: installers fetch {string.Join(", ", DefaultTemplates.Keys)} or vendor-data.");
        }

        try
        {
            var (context, _) = await templates.ContextAsync(node, "install", BootFirmware.Bios, ct, bootToken: token);
            var rendered = await templates.RenderAsync(node, template, "install", context, ct);
            timeline.Record(BootEventSource.Http, "installer-config", $"{file} for {node.Hostname} from template {rendered.Pin.Name} v{rendered.Pin.Version}",
                mac, node.Id, new { file, template = rendered.Pin.Name, version = rendered.Pin.Version });
            return Results.Text(rendered.Output, "text/plain; charset=utf-8");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            loggers.CreateLogger("Provisioner.Boot.InstallerConfig").LogError(e, "{File} for {Node} from template {Template} failed: {Error}", file, node.Hostname, template, e.Message);
            timeline.Record(BootEventSource.Http, "installer-config-failed", $"{file} for {node.Hostname} from template {template} failed: {e.Message}", mac, node.Id);
            return Results.Problem(statusCode: 500, title: "Rendering failed",
                detail: $"{node.Hostname}: rendering {file} from template {template} failed: {e.Message}. Fix the template (dashboard, Templates); the installer's next attempt gets the fix.");
        }
    }
}
