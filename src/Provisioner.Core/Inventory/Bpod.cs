using System.Net;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Inventory;

/// <summary>How a BPOD's provisioning network reaches the appliance.</summary>
public enum BpodNetworkType
{
    /// <summary>One L2 segment with the appliance; DHCP broadcasts arrive directly on an appliance interface.</summary>
    L2 = 1,

    /// <summary>Routed rack: DHCP arrives relayed by the rack's L3 switch (giaddr = its address in the rack subnet).</summary>
    L3 = 2,
}

/// <summary>
/// A baremetal pod: one rack behind its top-of-rack switch, with its provisioning subnet and DHCP pool.
/// </summary>
public sealed record Bpod
{
    public required Guid Id { get; init; }

    public required Guid ZoneId { get; init; }

    /// <summary>Short name unique within the zone, used in node naming patterns ({bpod}).</summary>
    public required string Name { get; init; }

    public BpodNetworkType NetworkType { get; init; } = BpodNetworkType.L2;

    /// <summary>The provisioning subnet the nodes' PXE interfaces live in.</summary>
    public required Ipv4Network ProvisioningSubnet { get; init; }

    public IPAddress? Gateway { get; init; }

    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    public IReadOnlyList<IPAddress> NtpServers { get; init; } = [];

    public string? DomainName { get; init; }

    /// <summary>First address of the dynamic DHCP range (inclusive).</summary>
    public required IPAddress DynamicRangeStart { get; init; }

    /// <summary>Last address of the dynamic DHCP range (inclusive).</summary>
    public required IPAddress DynamicRangeEnd { get; init; }

    /// <summary>Relay (giaddr) addresses that select this BPOD; for L3 the rack switch's address in the subnet.</summary>
    public IReadOnlyList<IPAddress> RelayAddresses { get; init; } = [];

    /// <summary>For L2 BPODs, the appliance interface the rack's segment is attached to.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>The subnet the nodes' BMCs live in (management network).</summary>
    public Ipv4Network? ManagementSubnet { get; init; }

    /// <summary>Top-of-rack switch SNMP address (LLDP/port lookups), if known.</summary>
    public IPAddress? TorSwitchAddress { get; init; }

    /// <summary>Name of the secret holding the ToR switch SNMP community.</summary>
    public string? TorSwitchCommunitySecret { get; init; }

    /// <summary>Hostname pattern for enlisted nodes, e.g. "{zone}-{bpod}-{slot:00}" or "{zone}-{bpod}-{mac}".</summary>
    public string NamingPattern { get; init; } = "{zone}-{bpod}-{slot:00}";

    /// <summary>Whether machines with unknown MACs are enlisted (discovery boot) or ignored.</summary>
    public bool EnlistUnknown { get; init; } = true;

    public int Mtu { get; init; } = 1500;

    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Bonds and VLANs every node of the rack gets on its installed OS (cloud-init network-config).</summary>
    public BpodNetworkLayout Network { get; init; } = BpodNetworkLayout.Empty;

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The problems of <see cref="Network"/> (see <see cref="BpodNetworkLayoutRules"/>); empty when it is valid.</summary>
    public IReadOnlyList<NetworkLayoutProblem> ValidateNetwork() => BpodNetworkLayoutRules.Check(this);
}
