using System.Globalization;
using System.Text.Json;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Templates.Context;

/// <summary>The node's firmware as its DHCP request (option 93) or iPXE's ${platform} shows it.</summary>
public enum BootFirmware
{
    Bios = 1,
    Uefi = 2,
}

/// <summary>What <see cref="TemplateContextBuilder"/> needs besides the inventory objects.</summary>
public sealed record TemplateContextInputs
{
    public required Node Node { get; init; }

    public required Bpod Bpod { get; init; }

    public required Zone Zone { get; init; }

    public Image? Image { get; init; }

    public TemplateProfile? Profile { get; init; }

    public Cluster? Cluster { get; init; }

    /// <summary>Whether the node joins <see cref="Cluster"/> as an extra control-plane node.</summary>
    public bool ControlPlane { get; init; }

    /// <summary>The appliance as the node reaches it, e.g. "http://10.77.0.1:8080".</summary>
    public required string ApplianceBaseUrl { get; init; }

    /// <summary>Defaults to BaseUrl + "/boot".</summary>
    public string? BootUrl { get; init; }

    /// <summary>Defaults to BaseUrl + "/api/agent".</summary>
    public string? AgentApiUrl { get; init; }

    /// <summary>Defaults to BaseUrl + "/api/agent/callback".</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>Defaults to BaseUrl + "/boot/config/" + BootToken: the appliance serves the node's rendered templates there.</summary>
    public string? ConfigUrl { get; init; }

    /// <summary>Where the node downloads the image; defaults to the image's location when it is a URL, else
    /// BaseUrl + "/boot/images/" + BootToken + "/" + location (the appliance serves it to that token while the node deploys).</summary>
    public string? ImageUrl { get; init; }

    public required string BootToken { get; init; }

    public BootFirmware Firmware { get; init; } = BootFirmware.Bios;

    public string Arch { get; init; } = "x86_64";

    /// <summary>"discover", "commission", "deploy", "local-boot", "rescue", "install".</summary>
    public required string Purpose { get; init; }

    public IReadOnlyList<BondContext> Bonds { get; init; } = [];

    public IReadOnlyList<VlanContext> Vlans { get; init; } = [];
}

/// <summary>Builds the <see cref="TemplateContext"/> of a node from the inventory.</summary>
public static class TemplateContextBuilder
{
    /// <summary>Profile/node variable holding SSH public keys, one per line.</summary>
    public const string SshKeysVariable = "ssh_authorized_keys";

    /// <summary>Profile/node variable naming the secret that holds the root password.</summary>
    public const string RootPasswordSecretVariable = "root_password_secret";

    /// <summary>Profile/node variable naming the default user.</summary>
    public const string DefaultUserVariable = "default_user";

    /// <summary>Profile/node variable with the bonds as JSON: [{"name":"bond0","mode":"802.3ad","members":["52:54:..."],"mtu":9000}].
    /// When set, it replaces the bonds of the BPOD's network layout for the node (an explicit override).</summary>
    public const string BondsVariable = "network_bonds";

    /// <summary>Profile/node variable with the VLANs as JSON: [{"name":"bond0.120","id":120,"link":"bond0","address":"10.1.2.3/24"}].
    /// When set, it replaces the VLANs of the BPOD's network layout for the node (an explicit override).</summary>
    public const string VlansVariable = "network_vlans";

    private static readonly JsonSerializerOptions LayoutJson = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = true };

    /// <summary>
    /// The context for a machine the inventory does not know yet (discovery boot of an unknown MAC): a placeholder
    /// node named "unknown-&lt;mac&gt;" in state New, in the BPOD its DHCP request came from.
    /// </summary>
    public static TemplateContext BuildForUnknownMachine(MacAddress mac, Bpod bpod, Zone zone, string applianceBaseUrl, string bootToken,
        BootFirmware firmware, string arch = "x86_64")
    {
        ArgumentNullException.ThrowIfNull(bpod);
        var node = new Node
        {
            Id = Guid.Empty,
            Hostname = "unknown-" + mac.ToString().Replace(":", string.Empty, StringComparison.Ordinal),
            BpodId = bpod.Id,
            Interfaces = [new NodeInterface(mac, IsPxe: true)],
        };
        return Build(new TemplateContextInputs
        {
            Node = node, Bpod = bpod, Zone = zone, ApplianceBaseUrl = applianceBaseUrl, BootToken = bootToken, Firmware = firmware,
            Arch = arch, Purpose = "discover",
        });
    }

    public static TemplateContext Build(TemplateContextInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var node = inputs.Node;
        var bpod = inputs.Bpod;
        var baseUrl = inputs.ApplianceBaseUrl.TrimEnd('/');
        var subnet = bpod.ProvisioningSubnet;
        var pxe = node.PxeInterface;
        var bootUrl = new Uri((inputs.BootUrl ?? baseUrl + "/boot").TrimEnd('/'), UriKind.Absolute);
        var pxeMac = pxe?.Mac.ToString() ?? throw new ArgumentException($"Node {node.Hostname} has no network interface.", nameof(inputs));
        var interfaces = node.Interfaces.OrderByDescending(i => i == pxe).ToList();

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in inputs.Profile?.Variables ?? new Dictionary<string, string>())
        {
            variables[k] = v;
        }

        foreach (var (k, v) in node.Deploy.Variables)
        {
            variables[k] = v;
        }

        // The variables are the explicit override; without them the node gets what its BPOD's layout resolved to.
        var bonds = ParseLayout<BondContext>(variables, BondsVariable) is { } bondOverride ? OverrideBonds(bondOverride) : inputs.Bonds;
        var vlans = ParseLayout<VlanContext>(variables, VlansVariable) ?? inputs.Vlans;

        return new TemplateContext
        {
            Node = new NodeContext
            {
                Id = node.Id.ToString("D"),
                Hostname = node.Hostname,
                Fqdn = string.IsNullOrEmpty(bpod.DomainName) ? node.Hostname : $"{node.Hostname}.{bpod.DomainName}",
                Slot = node.Slot,
                PxeMac = pxeMac,
                PxeMacHyphen = pxe.Mac.ToHyphenString(),
                Macs = interfaces.Select(i => i.Mac.ToString()).ToList(),
                Interfaces = interfaces.Select(i => new InterfaceContext { Mac = i.Mac.ToString(), Name = i.Name, IsPxe = i == pxe }).ToList(),
                Ip = node.AssignedIp?.ToString(),
                IpCidr = node.AssignedIp is null ? null : $"{node.AssignedIp}/{subnet.PrefixLength}",
                Ips = node.AssignedIp is null ? [] : [node.AssignedIp.ToString()],
                Facts = ParseFacts(node.HardwareFactsJson),
                Tags = node.Tags,
                SystemUuid = node.SystemUuid?.ToString("D"),
                State = JsonNamingPolicy.KebabCaseLower.ConvertName(node.State.ToString()),
            },
            Bpod = new BpodContext
            {
                Name = bpod.Name,
                NetworkType = bpod.NetworkType == BpodNetworkType.L3 ? "l3" : "l2",
                Subnet = subnet.ToString(),
                Network = subnet.NetworkAddress.ToString(),
                Netmask = subnet.Netmask.ToString(),
                PrefixLength = subnet.PrefixLength,
                Broadcast = subnet.Broadcast.ToString(),
                Gateway = bpod.Gateway?.ToString(),
                Dns = bpod.DnsServers.Select(a => a.ToString()).ToList(),
                Ntp = bpod.NtpServers.Select(a => a.ToString()).ToList(),
                Domain = bpod.DomainName,
                Mtu = bpod.Mtu,
                Bonds = bonds,
                Vlans = vlans,
                ProvisioningBond = bonds.FirstOrDefault(b => b.Provisioning)?.Name,
                DefaultRouteVlan = vlans.FirstOrDefault(v => v.DefaultRoute)?.Name,
            },
            Zone = new ZoneContext { Name = inputs.Zone.Name, Description = inputs.Zone.Description },
            Image = inputs.Image is null ? null : new ImageContext
            {
                Name = inputs.Image.Name,
                Url = inputs.ImageUrl ?? ImageUrl(baseUrl, inputs.BootToken, inputs.Image.Location),
                Format = JsonNamingPolicy.KebabCaseLower.ConvertName(inputs.Image.Format.ToString()),
                Sha256 = inputs.Image.Sha256,
                SizeBytes = inputs.Image.SizeBytes,
            },
            Profile = new ProfileContext
            {
                Name = inputs.Profile?.Name ?? "default",
                InstallMethod = JsonNamingPolicy.KebabCaseLower.ConvertName((inputs.Profile?.InstallMethod ?? InstallMethod.Image).ToString()),
                Variables = variables,
            },
            Cluster = inputs.Cluster is null ? null : new ClusterContext
            {
                Name = inputs.Cluster.Name,
                Endpoint = inputs.Cluster.ApiEndpoint,
                TokenSecret = inputs.Cluster.JoinTokenSecret,
                CaCertHash = inputs.Cluster.CaCertHash,
                CertificateKeySecret = inputs.Cluster.CertificateKeySecret,
                ControlPlane = inputs.ControlPlane,
            },
            Appliance = new ApplianceContext
            {
                BaseUrl = baseUrl,
                BootUrl = bootUrl.ToString().TrimEnd('/'),
                BootHostPort = bootUrl.IsDefaultPort ? bootUrl.Host : $"{bootUrl.Host}:{Invariant(bootUrl.Port)}",
                BootPath = bootUrl.AbsolutePath.TrimEnd('/'),
                AgentApiUrl = (inputs.AgentApiUrl ?? baseUrl + "/api/agent").TrimEnd('/'),
                CallbackUrl = inputs.CallbackUrl ?? baseUrl + "/api/agent/callback",
                ConfigUrl = (inputs.ConfigUrl ?? $"{baseUrl}/boot/config/{Uri.EscapeDataString(inputs.BootToken)}").TrimEnd('/'),
            },
            Boot = new BootContext
            {
                Token = inputs.BootToken,
                Firmware = inputs.Firmware == BootFirmware.Uefi ? "uefi" : "bios",
                Arch = inputs.Arch,
                Purpose = inputs.Purpose,
            },
            Access = new AccessContext
            {
                SshAuthorizedKeys = variables.TryGetValue(SshKeysVariable, out var keys)
                    ? keys.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList()
                    : [],
                RootPasswordSecret = variables.GetValueOrDefault(RootPasswordSecretVariable),
                DefaultUser = variables.GetValueOrDefault(DefaultUserVariable) ?? "ops",
            },
        };
    }

    /// <summary>Bonds from the variable: the first carries the provisioning address unless one says otherwise, and 802.3ad
    /// bonds get LACP rate fast and hash policy layer3+4 unless given, as the default template always wrote them.</summary>
    private static List<BondContext> OverrideBonds(List<BondContext> bonds)
    {
        var anyProvisioning = bonds.Any(b => b.Provisioning);
        return bonds.Select((b, i) => b with
        {
            Provisioning = b.Provisioning || (!anyProvisioning && i == 0),
            LacpRate = b.LacpRate ?? (b.Mode == BondModes.Lacp ? "fast" : null),
            TransmitHashPolicy = b.TransmitHashPolicy ?? (b.Mode == BondModes.Lacp ? "layer3+4" : null),
        }).ToList();
    }

    /// <summary>The list in variable <paramref name="name"/>; null when the variable is not set (an empty list overrides too).</summary>
    private static List<T>? ParseLayout<T>(Dictionary<string, string> variables, string name)
    {
        if (!variables.TryGetValue(name, out var json) || string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<List<T>>(json, LayoutJson) ?? [];
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"Variable '{name}' is not a JSON list of {typeof(T).Name.Replace("Context", "", StringComparison.Ordinal).ToLowerInvariant()}s: {ex.Message}", nameof(variables), ex);
        }
    }

    private static string ImageUrl(string baseUrl, string bootToken, string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? location
            : $"{baseUrl}/boot/images/{Uri.EscapeDataString(bootToken)}/{string.Join('/', location.TrimStart('/').Split('/').Select(Uri.EscapeDataString))}";

    private static Dictionary<string, object?> ParseFacts(string? json)
    {
        var facts = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return facts;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    facts[p.Name] = p.Value.Clone();
                }
            }
        }
        catch (JsonException)
        {
            // Facts are informational; a node with unreadable facts still renders (templates see none).
            facts.Clear();
        }

        return facts;
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
