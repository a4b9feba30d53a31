using System.Net;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Inventory;

/// <summary>One node's bonds and VLANs, resolved from its BPOD's layout (<see cref="NodeNetworkResolver"/>).</summary>
public sealed record NodeNetwork
{
    public static NodeNetwork Empty { get; } = new();

    public IReadOnlyList<NodeBond> Bonds { get; init; } = [];

    public IReadOnlyList<NodeVlan> Vlans { get; init; } = [];

    /// <summary>What could not be resolved for this node (a missing interface, an address that cannot be derived). The
    /// bonds and VLANs above leave those parts out; a deploy refuses to start while there are problems.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

/// <summary>A bond as one node gets it: the member interfaces are the node's own.</summary>
public sealed record NodeBond
{
    public required string Name { get; init; }

    public required string Mode { get; init; }

    public required IReadOnlyList<NodeInterface> Members { get; init; }

    public int? Mtu { get; init; }

    public string? LacpRate { get; init; }

    public string? TransmitHashPolicy { get; init; }

    /// <summary>Whether the node's provisioning address goes on this bond.</summary>
    public bool CarriesProvisioning { get; init; }
}

/// <summary>A VLAN as one node gets it, with the node's address on it.</summary>
public sealed record NodeVlan
{
    public required string Name { get; init; }

    public required int Id { get; init; }

    /// <summary>The parent bond's name; none when the parent is <see cref="ParentInterface"/>.</summary>
    public string? ParentBond { get; init; }

    /// <summary>The parent interface (the PXE one) when the VLAN is not on a bond.</summary>
    public NodeInterface? ParentInterface { get; init; }

    public required Ipv4Network Subnet { get; init; }

    /// <summary>The node's static address; none for DHCP, no address, or when it could not be derived.</summary>
    public IPAddress? Address { get; init; }

    public bool Dhcp { get; init; }

    public IPAddress? Gateway { get; init; }

    /// <summary>Whether the node's default route goes through <see cref="Gateway"/> (or this VLAN's DHCP).</summary>
    public bool DefaultRoute { get; init; }

    public int? Mtu { get; init; }

    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];
}
