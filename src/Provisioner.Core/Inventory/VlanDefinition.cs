using System.Net;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Inventory;

/// <summary>How each node of a BPOD gets its address on a VLAN.</summary>
public enum VlanAddressing
{
    /// <summary>The VLAN interface is brought up without an address (a bridge, a container network or an appliance uses it).</summary>
    None = 1,

    /// <summary>The node asks the VLAN's DHCP server.</summary>
    Dhcp = 2,

    /// <summary>Static: the node's host number in the provisioning subnet, plus <see cref="VlanDefinition.HostOffset"/>
    /// (10.77.0.27 in the provisioning subnet becomes 10.120.0.27 on a VLAN with 10.120.0.0/24).</summary>
    ProvisioningHost = 3,

    /// <summary>Static: the node's rack slot plus <see cref="VlanDefinition.HostOffset"/> as host number.</summary>
    Slot = 4,
}

/// <summary>An 802.1Q VLAN every node of a BPOD gets, on a bond of the layout or on the PXE interface.</summary>
public sealed record VlanDefinition
{
    /// <summary>802.1Q VLAN id, 1..4094.</summary>
    public required int Id { get; init; }

    /// <summary>The VLAN interface's name on the node ("bond0.120").</summary>
    public required string Name { get; init; }

    /// <summary>The parent: a bond name of the layout, or <see cref="BpodNetworkLayout.PxeLink"/> for the PXE interface.</summary>
    public required string Link { get; init; }

    public required Ipv4Network Subnet { get; init; }

    public IPAddress? Gateway { get; init; }

    /// <summary>The VLAN interface's MTU; none = the parent's.</summary>
    public int? Mtu { get; init; }

    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    public VlanAddressing Addressing { get; init; } = VlanAddressing.ProvisioningHost;

    /// <summary>Added to the derived host number (<see cref="VlanAddressing.ProvisioningHost"/>, <see cref="VlanAddressing.Slot"/>).</summary>
    public int HostOffset { get; init; }

    /// <summary>Whether the node's address is derived from the node (rather than none or DHCP).</summary>
    public bool IsDerived() => Addressing is VlanAddressing.ProvisioningHost or VlanAddressing.Slot;
}
