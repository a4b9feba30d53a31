namespace Provisioner.Core.Inventory;

/// <summary>
/// The network every node of a BPOD gets on its installed OS: bonds over its interfaces and VLANs on them, with addresses
/// derived per node. It names no MACs, so one layout serves the whole rack; <see cref="NodeNetworkResolver"/> turns it
/// into one node's bonds and VLANs. An empty layout leaves the node on its PXE interface alone.
/// </summary>
public sealed record BpodNetworkLayout
{
    /// <summary>The link name that means "the interface the node PXE-boots from".</summary>
    public const string PxeLink = "pxe";

    public static BpodNetworkLayout Empty { get; } = new();

    public IReadOnlyList<BondDefinition> Bonds { get; init; } = [];

    public IReadOnlyList<VlanDefinition> Vlans { get; init; } = [];

    /// <summary>Which link carries the node's provisioning address: a bond name or <see cref="PxeLink"/>. None = the first
    /// bond when there is one, else the PXE interface.</summary>
    public string? ProvisioningLink { get; init; }

    /// <summary>The VLAN whose gateway is the node's default route. None = the provisioning network's gateway, as without a layout.</summary>
    public string? DefaultRouteVlan { get; init; }

    /// <summary>Whether the layout has neither bonds nor VLANs.</summary>
    public bool HasLinks() => Bonds.Count > 0 || Vlans.Count > 0;

    /// <summary>The link that carries the provisioning address, with the default applied.</summary>
    public string EffectiveProvisioningLink() => ProvisioningLink ?? (Bonds.Count > 0 ? Bonds[0].Name : PxeLink);
}

/// <summary>One thing wrong with a BPOD's network layout: the field ("network.vlans[1].gateway") and what to fix.</summary>
public sealed record NetworkLayoutProblem(string Field, string Message);
