using System.Globalization;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Inventory;

/// <summary>
/// The checks a BPOD's <see cref="BpodNetworkLayout"/> must pass. Each problem names the BPOD, the bond or VLAN and the
/// field, so an operator can fix it from the message alone. Per-node facts (which interfaces a node has, its slot and
/// address) are checked when a node's network is resolved (<see cref="NodeNetworkResolver"/>).
/// </summary>
public static class BpodNetworkLayoutRules
{
    private const int MinMtu = 576;
    private const int MaxMtu = 9216;

    /// <summary>Every problem of <paramref name="bpod"/>'s layout; empty when it is valid.</summary>
    public static IReadOnlyList<NetworkLayoutProblem> Check(Bpod bpod)
    {
        ArgumentNullException.ThrowIfNull(bpod);
        var layout = bpod.Network;
        var problems = new List<NetworkLayoutProblem>();
        void Add(string field, string message) => problems.Add(new NetworkLayoutProblem("network." + field, $"BPOD {bpod.Name}: {message}"));

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < layout.Bonds.Count; i++)
        {
            CheckBond(layout.Bonds[i], Invariant($"bonds[{i}]"), names, Add);
        }

        CheckOverlaps(layout.Bonds, Add);
        var link = layout.ProvisioningLink;
        if (link is not null && link != BpodNetworkLayout.PxeLink && layout.Bonds.All(b => b.Name != link))
        {
            Add("provisioningLink", $"provisioning link '{link}' is neither a bond of the layout nor '{BpodNetworkLayout.PxeLink}' (the PXE interface).");
        }

        if (layout.EffectiveProvisioningLink() == BpodNetworkLayout.PxeLink && layout.Bonds.FirstOrDefault(b => b.Members.Selection == BondMemberSelection.All) is { } all)
        {
            Add("provisioningLink", $"the PXE interface carries the provisioning address, but bond {all.Name} takes all interfaces, the PXE one " +
                                    "included; make the bond the provisioning link or give it members non-pxe.");
        }

        var links = new HashSet<(string, int)>();
        var subnets = new List<(string Name, Ipv4Network Subnet)>();
        for (var i = 0; i < layout.Vlans.Count; i++)
        {
            var vlan = layout.Vlans[i];
            var field = Invariant($"vlans[{i}]");
            CheckVlan(bpod, vlan, field, names, Add);
            if (!links.Add((vlan.Link, vlan.Id)))
            {
                Add(field + ".id", $"VLAN {vlan.Name}: VLAN {vlan.Id} is already on {vlan.Link}; a link carries each VLAN id once.");
            }

            if (subnets.FirstOrDefault(s => s.Subnet.Overlaps(vlan.Subnet)) is { Name: not null } other)
            {
                Add(field + ".subnet", $"VLAN {vlan.Name}: subnet {vlan.Subnet} overlaps {other.Subnet} of VLAN {other.Name}.");
            }

            subnets.Add((vlan.Name, vlan.Subnet));
        }

        if (layout.DefaultRouteVlan is { } routeVia)
        {
            var vlan = layout.Vlans.FirstOrDefault(v => v.Name == routeVia);
            if (vlan is null)
            {
                Add("defaultRouteVlan", $"default route VLAN '{routeVia}' is not a VLAN of the layout.");
            }
            else if (vlan.Gateway is null && vlan.Addressing != VlanAddressing.Dhcp)
            {
                Add("defaultRouteVlan", $"VLAN {vlan.Name} carries the default route but has no gateway; give it one.");
            }
        }

        return problems;
    }

    /// <summary>Whether <paramref name="name"/> can name a Linux network interface (1-15 characters, no '/', ':' or white space).</summary>
    public static bool IsInterfaceName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 15 && name is not "." and not ".."
        && !name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c));

    private static void CheckBond(BondDefinition bond, string field, HashSet<string> names, Action<string, string> add)
    {
        var what = $"bond {bond.Name}";
        CheckName(bond.Name, field, what, names, add);
        if (!BondModes.All.Contains(bond.Mode))
        {
            add(field + ".mode", $"{what}: mode '{bond.Mode}' is not a Linux bonding mode; use one of {string.Join(", ", BondModes.All)}.");
        }

        switch (bond.Members.Selection)
        {
            case BondMemberSelection.Names when bond.Members.Names.Count == 0 || bond.Members.Names.Any(n => !IsInterfaceName(n)):
                add(field + ".members", $"{what}: name at least one member interface, each a valid interface name.");
                break;
            case BondMemberSelection.Indices when bond.Members.Indices.Count == 0 || bond.Members.Indices.Any(n => n < 0):
                add(field + ".members", $"{what}: give at least one member index (0 is the node's first interface).");
                break;
            case BondMemberSelection.Names or BondMemberSelection.Indices when HasDuplicates(bond.Members):
                add(field + ".members", $"{what}: the member rule {bond.Members} lists an interface twice.");
                break;
            case BondMemberSelection.All or BondMemberSelection.NonPxe or BondMemberSelection.Names or BondMemberSelection.Indices:
                break;
            default:
                add(field + ".members", $"{what}: unknown member selection {bond.Members.Selection}.");
                break;
        }

        CheckMtu(bond.Mtu, field, what, add);
        if (bond.LacpRate is { } rate)
        {
            if (bond.Mode != BondModes.Lacp)
            {
                add(field + ".lacpRate", $"{what}: an LACP rate applies to mode 802.3ad only, not {bond.Mode}.");
            }
            else if (!BondModes.LacpRates.Contains(rate))
            {
                add(field + ".lacpRate", $"{what}: LACP rate '{rate}' is not fast or slow.");
            }
        }

        if (bond.TransmitHashPolicy is { } policy)
        {
            if (!BondModes.WithTransmitHashPolicy.Contains(bond.Mode))
            {
                add(field + ".transmitHashPolicy", $"{what}: a transmit hash policy applies to {string.Join(", ", BondModes.WithTransmitHashPolicy)}, not {bond.Mode}.");
            }
            else if (!BondModes.TransmitHashPolicies.Contains(policy))
            {
                add(field + ".transmitHashPolicy", $"{what}: transmit hash policy '{policy}' is not one of {string.Join(", ", BondModes.TransmitHashPolicies)}.");
            }
        }
    }

    private static void CheckVlan(Bpod bpod, VlanDefinition vlan, string field, HashSet<string> names, Action<string, string> add)
    {
        var what = $"VLAN {vlan.Name}";
        CheckName(vlan.Name, field, what, names, add);
        if (vlan.Id is < 1 or > 4094)
        {
            add(field + ".id", $"{what}: VLAN id {vlan.Id} is outside 1..4094.");
        }

        var parent = bpod.Network.Bonds.FirstOrDefault(b => b.Name == vlan.Link);
        if (parent is null && vlan.Link != BpodNetworkLayout.PxeLink)
        {
            add(field + ".link", $"{what}: link '{vlan.Link}' is neither a bond of the layout nor '{BpodNetworkLayout.PxeLink}' (the PXE interface).");
        }
        else if (parent is null && bpod.Network.Bonds.FirstOrDefault(b => b.Members.Selection == BondMemberSelection.All) is { } all)
        {
            add(field + ".link", $"{what}: its link is the PXE interface, but bond {all.Name} takes all interfaces; put the VLAN on the bond.");
        }

        var subnet = vlan.Subnet;
        if (subnet.Overlaps(bpod.ProvisioningSubnet))
        {
            add(field + ".subnet", $"{what}: subnet {subnet} overlaps the provisioning subnet {bpod.ProvisioningSubnet}.");
        }

        if (vlan.Gateway is { } gateway)
        {
            if (!subnet.Contains(gateway))
            {
                add(field + ".gateway", $"{what}: gateway {gateway} is outside its subnet {subnet}.");
            }
            else if (subnet.PrefixLength < 31 && (gateway.Equals(subnet.NetworkAddress) || gateway.Equals(subnet.Broadcast)))
            {
                add(field + ".gateway", $"{what}: gateway {gateway} is the network or broadcast address of {subnet}.");
            }
        }

        CheckMtu(vlan.Mtu, field, what, add);
        var parentMtu = parent?.Mtu ?? bpod.Mtu;
        if (vlan.Mtu > parentMtu)
        {
            add(field + ".mtu", $"{what}: MTU {vlan.Mtu} is larger than its link {vlan.Link}'s MTU {parentMtu}.");
        }

        if (!Enum.IsDefined(vlan.Addressing))
        {
            add(field + ".addressing", $"{what}: unknown addressing {vlan.Addressing}.");
        }
        else if (vlan.IsDerived())
        {
            if (subnet.PrefixLength > 30)
            {
                add(field + ".subnet", $"{what}: subnet {subnet} has no host addresses to derive node addresses from; use /30 or larger.");
            }
            else if (Math.Abs((long)vlan.HostOffset) >= (long)subnet.Size)
            {
                add(field + ".hostOffset", $"{what}: host offset {vlan.HostOffset} does not fit in {subnet} ({subnet.Size} addresses).");
            }
        }
        else if (vlan.HostOffset != 0)
        {
            add(field + ".hostOffset", $"{what}: a host offset applies to derived addresses (provisioning-host, slot) only.");
        }
    }

    private static void CheckName(string name, string field, string what, HashSet<string> names, Action<string, string> add)
    {
        if (!IsInterfaceName(name))
        {
            add(field + ".name", $"{what}: '{name}' is not an interface name (1-15 characters, no '/', ':' or white space).");
        }
        else if (name == BpodNetworkLayout.PxeLink)
        {
            add(field + ".name", $"{what}: '{BpodNetworkLayout.PxeLink}' is reserved for the PXE interface.");
        }
        else if (!names.Add(name))
        {
            add(field + ".name", $"{what}: the name {name} is used twice in the layout.");
        }
    }

    private static void CheckMtu(int? mtu, string field, string what, Action<string, string> add)
    {
        if (mtu is < MinMtu or > MaxMtu)
        {
            add(field + ".mtu", $"{what}: MTU {mtu} is outside {MinMtu}..{MaxMtu}.");
        }
    }

    /// <summary>Two bonds must not take the same interface; what can be told without a node is checked here.</summary>
    private static void CheckOverlaps(IReadOnlyList<BondDefinition> bonds, Action<string, string> add)
    {
        for (var i = 0; i < bonds.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var (a, b) = (bonds[j].Members, bonds[i].Members);
                var overlap = a.Selection == BondMemberSelection.All || b.Selection == BondMemberSelection.All
                    || (a.Selection == BondMemberSelection.NonPxe && b.Selection == BondMemberSelection.NonPxe)
                    || (a.Selection == BondMemberSelection.Names && b.Selection == BondMemberSelection.Names && a.Names.Intersect(b.Names).Any())
                    || (a.Selection == BondMemberSelection.Indices && b.Selection == BondMemberSelection.Indices && a.Indices.Intersect(b.Indices).Any());
                if (overlap)
                {
                    add(Invariant($"bonds[{i}].members"), $"bond {bonds[i].Name}: members {b} share interfaces with bond {bonds[j].Name} ({a}).");
                }
            }
        }
    }

    private static bool HasDuplicates(BondMemberRule rule) =>
        rule.Names.Distinct(StringComparer.Ordinal).Count() != rule.Names.Count || rule.Indices.Distinct().Count() != rule.Indices.Count;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
