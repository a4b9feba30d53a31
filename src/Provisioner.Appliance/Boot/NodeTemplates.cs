using Provisioner.Appliance.Options;
using Provisioner.Boot.Planning;
using Provisioner.Boot.Tokens;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// Renders a node's templates (iPXE script, cloud-init seed) with its full context: the node, its BPOD and zone, the
/// image and profile it deploys, its cluster, the appliance URLs and a fresh per-boot token.
/// </summary>
public sealed class NodeTemplates(
    ApplianceSettings settings,
    IZoneRepository zones,
    IBpodRepository bpods,
    IImageRepository images,
    IProfileRepository profiles,
    IClusterRepository clusters,
    ISecretRepository secrets,
    TemplateRenderer renderer,
    BootTokenService tokens)
{
    /// <summary>The base URL nodes use to reach this appliance.</summary>
    public string BaseUrl => PublicBaseUrl(settings);

    public static string PublicBaseUrl(ApplianceSettings settings) =>
        (string.IsNullOrEmpty(settings.PublicBaseUrl) ? settings.Http.Urls.Split(';')[0] : settings.PublicBaseUrl).TrimEnd('/');

    /// <summary>Builds the template context of <paramref name="node"/> for <paramref name="purpose"/>, with a new boot token
    /// (or <paramref name="bootToken"/>, the one this boot already carries, so its URLs stay those the node was given).</summary>
    public async Task<(TemplateContext Context, string Token)> ContextAsync(Node node, string purpose, BootFirmware firmware,
        CancellationToken cancellationToken, TimeSpan? tokenLifetime = null, string? bootToken = null)
    {
        var bpod = await bpods.GetAsync(node.BpodId, cancellationToken).ConfigureAwait(false)
                   ?? throw new InvalidOperationException($"Node {node.Hostname} is in BPOD {node.BpodId}, which no longer exists.");
        var zone = await zones.GetAsync(bpod.ZoneId, cancellationToken).ConfigureAwait(false)
                   ?? throw new InvalidOperationException($"BPOD {bpod.Name} is in zone {bpod.ZoneId}, which no longer exists.");
        var image = node.Deploy.Image is { } imageName ? await images.FindByNameAsync(imageName, cancellationToken).ConfigureAwait(false) : null;
        var profile = node.Deploy.Profile is { } profileName ? await profiles.FindByNameAsync(profileName, cancellationToken).ConfigureAwait(false) : null;
        var cluster = node.Deploy.Cluster is { } clusterName ? await clusters.FindByNameAsync(clusterName, cancellationToken).ConfigureAwait(false) : null;
        var token = bootToken ?? tokens.Issue(node.Id, Guid.NewGuid(), tokenLifetime);
        // Lenient: what the layout cannot give this node is left out here; NetworkProblemsAsync is the strict check.
        var network = NodeNetworkResolver.Resolve(bpod, node);
        var context = TemplateContextBuilder.Build(new TemplateContextInputs
        {
            Node = node,
            Bpod = bpod,
            Zone = zone,
            Image = image,
            Profile = profile,
            Cluster = cluster,
            ControlPlane = node.Deploy.Variables.TryGetValue("control_plane", out var cp) && cp is "true" or "yes" or "1",
            ApplianceBaseUrl = BaseUrl,
            AgentApiUrl = BaseUrl + "/api/agent/v1",
            CallbackUrl = BaseUrl + "/api/agent/v1/callback",
            BootToken = token,
            Firmware = firmware,
            Purpose = purpose,
            Bonds = NetworkContexts.Bonds(network),
            Vlans = NetworkContexts.Vlans(network),
        });
        return (context, token);
    }

    /// <summary>
    /// What the node's BPOD network layout cannot give it (a member interface it lacks, a VLAN address that cannot be
    /// derived), each naming the node, the BPOD and the bond or VLAN. Empty when the layout resolves, or when the
    /// network_bonds and network_vlans variables both override it for this node.
    /// </summary>
    public async Task<IReadOnlyList<string>> NetworkProblemsAsync(Node node, CancellationToken cancellationToken)
    {
        var bpod = await bpods.GetAsync(node.BpodId, cancellationToken).ConfigureAwait(false)
                   ?? throw new InvalidOperationException($"Node {node.Hostname} is in BPOD {node.BpodId}, which no longer exists.");
        var profile = node.Deploy.Profile is { } profileName ? await profiles.FindByNameAsync(profileName, cancellationToken).ConfigureAwait(false) : null;
        bool Overrides(string variable) =>
            !string.IsNullOrWhiteSpace(node.Deploy.Variables.GetValueOrDefault(variable) ?? profile?.Variables.GetValueOrDefault(variable));
        return Overrides(TemplateContextBuilder.BondsVariable) && Overrides(TemplateContextBuilder.VlansVariable)
            ? []
            : NodeNetworkResolver.Resolve(bpod, node).Problems;
    }

    /// <summary>Renders the iPXE script for a boot plan.</summary>
    public async Task<RenderResult> IpxeScriptAsync(Node node, BootPurpose purpose, BootFirmware firmware, CancellationToken cancellationToken)
    {
        var (name, purposeText) = purpose switch
        {
            BootPurpose.Discover => ("ipxe/discover.ipxe", "discover"),
            BootPurpose.Commission => ("ipxe/commission.ipxe", "commission"),
            BootPurpose.Deploy when await IsInstallerAsync(node, cancellationToken).ConfigureAwait(false) => ("ipxe/installer.ipxe", "installer"),
            BootPurpose.Deploy => ("ipxe/deploy.ipxe", "deploy"),
            BootPurpose.Release => ("ipxe/commission.ipxe", "release"),
            BootPurpose.Rescue => ("ipxe/rescue.ipxe", "rescue"),
            _ => ("ipxe/local-boot.ipxe", "local-boot"),
        };
        var (context, _) = await ContextAsync(node, purposeText, firmware, cancellationToken).ConfigureAwait(false);
        return await renderer.RenderAsync(name, context, RenderMode.Serve, new StoreSecrets(secrets), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders a template for the node in serve mode (secrets resolved), e.g. its cloud-init user-data.</summary>
    public async Task<RenderResult> RenderAsync(Node node, string templateName, string purpose, TemplateContext context, CancellationToken cancellationToken) =>
        await renderer.RenderAsync(templateName, context, RenderMode.Serve, new StoreSecrets(secrets), cancellationToken).ConfigureAwait(false);

    private async Task<bool> IsInstallerAsync(Node node, CancellationToken cancellationToken)
    {
        if (node.Deploy.Profile is not { } name)
        {
            return false;
        }

        var profile = await profiles.FindByNameAsync(name, cancellationToken).ConfigureAwait(false);
        return profile is not null && profile.InstallMethod != InstallMethod.Image;
    }

    private sealed class StoreSecrets(ISecretRepository secrets) : ISecretResolver
    {
        public async ValueTask<string?> GetAsync(string name, CancellationToken cancellationToken) =>
            await secrets.GetAsync(name, cancellationToken).ConfigureAwait(false);
    }
}
