namespace Provisioner.Templates.Context;

/// <summary>
/// Everything a template may read about the node it renders for. Templates see it in camelCase
/// (<c>{{node.hostname}}</c>, <c>{{bpod.prefixLength}}</c>); docs/templates.md lists every field.
/// Adding a field is a minor change; renaming or removing one bumps <see cref="CurrentSchemaVersion"/>.
/// </summary>
public sealed record TemplateContext
{
    /// <summary>The schema version this code produces.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required NodeContext Node { get; init; }

    public required BpodContext Bpod { get; init; }

    public required ZoneContext Zone { get; init; }

    /// <summary>The OS image being deployed, when there is one.</summary>
    public ImageContext? Image { get; init; }

    public required ProfileContext Profile { get; init; }

    /// <summary>The kubeadm cluster the node joins, when it joins one.</summary>
    public ClusterContext? Cluster { get; init; }

    public required ApplianceContext Appliance { get; init; }

    public required BootContext Boot { get; init; }

    public AccessContext Access { get; init; } = new();
}

/// <summary>The machine being rendered for.</summary>
public sealed record NodeContext
{
    public required string Id { get; init; }

    /// <summary>Short hostname (no domain).</summary>
    public required string Hostname { get; init; }

    /// <summary>hostname.domain when the BPOD has a domain, else the hostname.</summary>
    public required string Fqdn { get; init; }

    public int? Slot { get; init; }

    /// <summary>The PXE interface's MAC, lower-case with colons.</summary>
    public required string PxeMac { get; init; }

    /// <summary>The PXE MAC with hyphens ("52-54-00-12-34-56"), as iPXE's ${mac:hexhyp} prints it.</summary>
    public required string PxeMacHyphen { get; init; }

    /// <summary>Every MAC of the node, PXE interface first.</summary>
    public IReadOnlyList<string> Macs { get; init; } = [];

    public IReadOnlyList<InterfaceContext> Interfaces { get; init; } = [];

    /// <summary>The node's address in the provisioning subnet, when assigned.</summary>
    public string? Ip { get; init; }

    /// <summary>The node's address with the BPOD prefix ("10.77.0.21/24"), when assigned.</summary>
    public string? IpCidr { get; init; }

    public IReadOnlyList<string> Ips { get; init; } = [];

    /// <summary>Hardware facts reported by the live agent (nested maps and lists, as the agent sent them).</summary>
    public IReadOnlyDictionary<string, object?> Facts { get; init; } = new Dictionary<string, object?>();

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? SystemUuid { get; init; }

    /// <summary>Lifecycle state, lower-case ("deploying").</summary>
    public required string State { get; init; }
}

/// <summary>One network interface of the node.</summary>
public sealed record InterfaceContext
{
    public required string Mac { get; init; }

    public string? Name { get; init; }

    public bool IsPxe { get; init; }
}

/// <summary>The node's rack (baremetal pod) and its provisioning network.</summary>
public sealed record BpodContext
{
    public required string Name { get; init; }

    /// <summary>"l2" or "l3".</summary>
    public required string NetworkType { get; init; }

    /// <summary>Provisioning subnet in CIDR form ("10.77.0.0/24").</summary>
    public required string Subnet { get; init; }

    public required string Network { get; init; }

    public required string Netmask { get; init; }

    public required int PrefixLength { get; init; }

    public required string Broadcast { get; init; }

    public string? Gateway { get; init; }

    public IReadOnlyList<string> Dns { get; init; } = [];

    public IReadOnlyList<string> Ntp { get; init; } = [];

    public string? Domain { get; init; }

    public int Mtu { get; init; } = 1500;

    /// <summary>The node's bonds: from the BPOD's network layout, or the <c>network_bonds</c> variable when set.</summary>
    public IReadOnlyList<BondContext> Bonds { get; init; } = [];

    /// <summary>The node's VLANs: from the BPOD's network layout, or the <c>network_vlans</c> variable when set.</summary>
    public IReadOnlyList<VlanContext> Vlans { get; init; } = [];

    /// <summary>The bond that carries the node's provisioning address; none when the PXE interface carries it.</summary>
    public string? ProvisioningBond { get; init; }

    /// <summary>The VLAN that carries the node's default route; none when the provisioning network's gateway does.</summary>
    public string? DefaultRouteVlan { get; init; }
}

/// <summary>A bond (link aggregation) to configure on the installed OS.</summary>
public sealed record BondContext
{
    public required string Name { get; init; }

    /// <summary>Linux bonding mode ("802.3ad", "active-backup", ...).</summary>
    public string Mode { get; init; } = "802.3ad";

    /// <summary>MACs of the member interfaces.</summary>
    public IReadOnlyList<string> Members { get; init; } = [];

    public int? Mtu { get; init; }

    /// <summary>"fast" or "slow" (802.3ad).</summary>
    public string? LacpRate { get; init; }

    /// <summary>"layer3+4", "layer2+3", ... (802.3ad, balance-xor, balance-tlb).</summary>
    public string? TransmitHashPolicy { get; init; }

    /// <summary>Whether the node's provisioning address goes on this bond.</summary>
    public bool Provisioning { get; init; }

    /// <summary>Address in CIDR form, when the bond itself carries one (set through the network_bonds variable only).</summary>
    public string? Address { get; init; }

    public string? Gateway { get; init; }
}

/// <summary>An 802.1Q VLAN interface to configure on the installed OS.</summary>
public sealed record VlanContext
{
    public required string Name { get; init; }

    public required int Id { get; init; }

    /// <summary>The parent: a bond name, or the id the default network-config gives an interface ("en" + its MAC's hex digits).</summary>
    public required string Link { get; init; }

    /// <summary>The parent interface's MAC when the parent is an interface rather than a bond.</summary>
    public string? LinkMac { get; init; }

    /// <summary>The VLAN's subnet in CIDR form.</summary>
    public string? Subnet { get; init; }

    /// <summary>The node's static address in CIDR form ("10.120.0.27/24").</summary>
    public string? Address { get; init; }

    /// <summary>Whether the node asks DHCP for its address on this VLAN.</summary>
    public bool Dhcp { get; init; }

    public string? Gateway { get; init; }

    /// <summary>Whether the node's default route goes through this VLAN's gateway.</summary>
    public bool DefaultRoute { get; init; }

    public int? Mtu { get; init; }

    public IReadOnlyList<string> Dns { get; init; } = [];
}

public sealed record ZoneContext
{
    public required string Name { get; init; }

    public string? Description { get; init; }
}

public sealed record ImageContext
{
    public required string Name { get; init; }

    /// <summary>Where the node downloads the image from.</summary>
    public required string Url { get; init; }

    /// <summary>"raw", "raw-gzip", "raw-zstd", "raw-xz", "chunked".</summary>
    public required string Format { get; init; }

    /// <summary>Lower-case hex sha256 of the raw disk.</summary>
    public required string Sha256 { get; init; }

    public long SizeBytes { get; init; }
}

public sealed record ProfileContext
{
    public required string Name { get; init; }

    /// <summary>"image", "kickstart", "preseed", "autoinstall".</summary>
    public required string InstallMethod { get; init; }

    /// <summary>The profile's variables overlaid with the node's own (the node wins).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();
}

/// <summary>The kubeadm cluster the node joins. Token and certificate key are secret names, read with <c>{{secret ...}}</c>.</summary>
public sealed record ClusterContext
{
    public required string Name { get; init; }

    /// <summary>"host:port" of the API server endpoint.</summary>
    public required string Endpoint { get; init; }

    public string? TokenSecret { get; init; }

    public string? CaCertHash { get; init; }

    public string? CertificateKeySecret { get; init; }

    /// <summary>Whether this node joins as an extra control-plane node.</summary>
    public bool ControlPlane { get; init; }
}

/// <summary>Where the node reaches the appliance.</summary>
public sealed record ApplianceContext
{
    /// <summary>e.g. "http://10.77.0.1:8080" (no trailing slash).</summary>
    public required string BaseUrl { get; init; }

    /// <summary>Boot files (kernels, initrds, scripts): BaseUrl + "/boot".</summary>
    public required string BootUrl { get; init; }

    /// <summary>"host:port" of <see cref="BootUrl"/> (GRUB's <c>(http,host:port)</c> device).</summary>
    public required string BootHostPort { get; init; }

    /// <summary>The path part of <see cref="BootUrl"/> ("/boot").</summary>
    public required string BootPath { get; init; }

    /// <summary>The live agent's API.</summary>
    public required string AgentApiUrl { get; init; }

    /// <summary>Where installers and first-boot scripts report back.</summary>
    public required string CallbackUrl { get; init; }

    /// <summary>This node's rendered configs for this boot: ConfigUrl + "/kickstart", "/preseed", "/user-data",
    /// "/meta-data", "/network-config" (also the NoCloud seed URL, with a trailing slash).</summary>
    public required string ConfigUrl { get; init; }
}

/// <summary>This boot of the node.</summary>
public sealed record BootContext
{
    /// <summary>Per-boot token the node presents to the appliance.</summary>
    public required string Token { get; init; }

    /// <summary>"bios" or "uefi".</summary>
    public required string Firmware { get; init; }

    /// <summary>"x86_64" or "arm64".</summary>
    public required string Arch { get; init; }

    /// <summary>What the boot is for: "discover", "commission", "deploy", "local-boot", "rescue", "install".</summary>
    public required string Purpose { get; init; }
}

/// <summary>Login material for the installed OS.</summary>
public sealed record AccessContext
{
    public IReadOnlyList<string> SshAuthorizedKeys { get; init; } = [];

    /// <summary>Name of the secret holding the root password, if one is set (hash it with sha512crypt).</summary>
    public string? RootPasswordSecret { get; init; }

    /// <summary>The default login user created by cloud-init / installers.</summary>
    public string DefaultUser { get; init; } = "ops";
}
