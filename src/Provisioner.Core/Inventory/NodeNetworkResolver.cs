using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Inventory;

/// <summary>
/// Turns a BPOD's network layout into one node's bonds and VLANs: member rules become the node's interfaces, derived
/// addressing becomes the node's address on each VLAN. Resolution never throws: what cannot be resolved for this node is
/// left out and described in <see cref="NodeNetwork.Problems"/>, so a boot script still renders for a node that has not
/// been commissioned yet, while a deploy refuses to start.
/// </summary>
public static class NodeNetworkResolver
{
    /// <summary>
    /// Node variable prefix for an explicit address on one VLAN, followed by the VLAN's name:
    /// <c>network_vlan_address.bond0.120 = 10.120.0.99</c> (or <c>dhcp</c>, <c>none</c>). It replaces the derived address
    /// for that node only: the exception in a rack, without a second layout.
    /// </summary>
    public const string VlanAddressVariablePrefix = "network_vlan_address.";

    public static NodeNetwork Resolve(Bpod bpod, Node node)
    {
        ArgumentNullException.ThrowIfNull(bpod);
        ArgumentNullException.ThrowIfNull(node);
        var layout = bpod.Network;
        if (!layout.HasLinks())
        {
            return NodeNetwork.Empty;
        }

        var problems = new List<string>();
        var subject = $"Node {node.Hostname} (BPOD {bpod.Name})";
        if (node.PxeInterface is not { } pxe)
        {
            return new NodeNetwork { Problems = [$"{subject} has no interfaces to build its bonds and VLANs on."] };
        }

        var provisioningLink = layout.EffectiveProvisioningLink();
        var memberOf = new Dictionary<MacAddress, string>();
        var bonds = new List<NodeBond>();
        foreach (var def in layout.Bonds)
        {
            var where = $"{subject}, bond {def.Name}";
            var members = new List<NodeInterface>();
            foreach (var nic in def.Members.Select(node, where, problems))
            {
                if (memberOf.TryGetValue(nic.Mac, out var other))
                {
                    problems.Add($"{where}: interface {Label(nic)} is already a member of bond {other}.");
                    continue;
                }

                memberOf[nic.Mac] = def.Name;
                members.Add(nic);
            }

            if (members.Count == 0)
            {
                problems.Add($"{where}: none of the node's interfaces matches members {def.Members}; the bond is left out.");
                continue;
            }

            bonds.Add(new NodeBond
            {
                Name = def.Name,
                Mode = def.Mode,
                Members = members,
                Mtu = def.Mtu,
                LacpRate = def.EffectiveLacpRate(),
                TransmitHashPolicy = def.EffectiveTransmitHashPolicy(),
                CarriesProvisioning = def.Name == provisioningLink,
            });
        }

        if (provisioningLink == BpodNetworkLayout.PxeLink && memberOf.TryGetValue(pxe.Mac, out var pxeBond))
        {
            problems.Add($"{subject}: the PXE interface {Label(pxe)} carries the provisioning address but is a member of bond {pxeBond}; " +
                         "make the bond the provisioning link.");
        }

        var vlans = new List<NodeVlan>();
        foreach (var def in layout.Vlans)
        {
            var where = $"{subject}, VLAN {def.Name}";
            NodeInterface? parentNic = null;
            if (def.Link == BpodNetworkLayout.PxeLink)
            {
                if (memberOf.TryGetValue(pxe.Mac, out var bond))
                {
                    problems.Add($"{where}: its link is the PXE interface {Label(pxe)}, which is a member of bond {bond}; put the VLAN on the bond.");
                    continue;
                }

                parentNic = pxe;
            }
            else if (bonds.All(b => b.Name != def.Link))
            {
                problems.Add($"{where}: its link {def.Link} is not built for this node; the VLAN is left out.");
                continue;
            }

            var (address, dhcp) = AddressOf(def, bpod, node, where, problems);
            vlans.Add(new NodeVlan
            {
                Name = def.Name,
                Id = def.Id,
                ParentBond = parentNic is null ? def.Link : null,
                ParentInterface = parentNic,
                Subnet = def.Subnet,
                Address = address,
                Dhcp = dhcp,
                Gateway = def.Gateway,
                DefaultRoute = def.Name == layout.DefaultRouteVlan,
                Mtu = def.Mtu,
                DnsServers = def.DnsServers,
            });
        }

        return new NodeNetwork { Bonds = bonds, Vlans = vlans, Problems = problems };
    }

    private static (IPAddress? Address, bool Dhcp) AddressOf(VlanDefinition vlan, Bpod bpod, Node node, string where, List<string> problems)
    {
        var variable = VlanAddressVariablePrefix + vlan.Name;
        if (node.Deploy.Variables.TryGetValue(variable, out var text) && !string.IsNullOrWhiteSpace(text))
        {
            return Explicit(vlan, text.Trim(), $"{where}: variable {variable}", problems);
        }

        long host;
        string basis;
        switch (vlan.Addressing)
        {
            case VlanAddressing.Dhcp:
                return (null, true);
            case VlanAddressing.ProvisioningHost:
                if (node.AssignedIp is not { } ip)
                {
                    problems.Add($"{where}: the node has no provisioning address to derive its VLAN address from; assign one or set variable {variable}.");
                    return (null, false);
                }

                if (bpod.ProvisioningSubnet.HostNumberOf(ip) is not { } number)
                {
                    problems.Add($"{where}: the node's provisioning address {ip} is outside {bpod.ProvisioningSubnet}, so no VLAN address derives from it.");
                    return (null, false);
                }

                host = number + vlan.HostOffset;
                basis = $"provisioning host {number} + offset {vlan.HostOffset}";
                break;
            case VlanAddressing.Slot:
                if (node.Slot is not { } slot)
                {
                    problems.Add($"{where}: the node has no slot to derive its VLAN address from; set its slot or variable {variable}.");
                    return (null, false);
                }

                host = slot + (long)vlan.HostOffset;
                basis = $"slot {slot} + offset {vlan.HostOffset}";
                break;
            default:
                return (null, false);
        }

        var subnet = vlan.Subnet;
        if (host <= 0 || (ulong)host >= subnet.Size - 1)
        {
            problems.Add($"{where}: {basis} gives host number {host}, which is not a host address of {subnet} (1..{subnet.Size - 2}).");
            return (null, false);
        }

        var address = subnet.Host(host);
        if (address.Equals(vlan.Gateway))
        {
            problems.Add($"{where}: {basis} gives {address}, the VLAN's gateway.");
            return (null, false);
        }

        return (address, false);
    }

    /// <summary>An address given for this node: "dhcp", "none", "a.b.c.d" or "a.b.c.d/len" with the VLAN's prefix.</summary>
    private static (IPAddress? Address, bool Dhcp) Explicit(VlanDefinition vlan, string text, string where, List<string> problems)
    {
        if (text.Equals("dhcp", StringComparison.OrdinalIgnoreCase))
        {
            return (null, true);
        }

        if (text.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return (null, false);
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        var subnet = vlan.Subnet;
        if (addressText.Count(c => c == '.') != 3 || !IPAddress.TryParse(addressText, out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || (slash >= 0 && text[(slash + 1)..] != subnet.PrefixLength.ToString(CultureInfo.InvariantCulture)))
        {
            problems.Add($"{where}: '{text}' is not an IPv4 address (with /{subnet.PrefixLength} or no prefix), dhcp or none.");
            return (null, false);
        }

        if (!subnet.Contains(address) || (subnet.PrefixLength < 31 && (address.Equals(subnet.NetworkAddress) || address.Equals(subnet.Broadcast))))
        {
            problems.Add($"{where}: {address} is not a host address of {subnet}.");
            return (null, false);
        }

        if (address.Equals(vlan.Gateway))
        {
            problems.Add($"{where}: {address} is the VLAN's gateway.");
            return (null, false);
        }

        return (address, false);
    }

    private static string Label(NodeInterface nic) => nic.Name is { } name ? $"{name} ({nic.Mac})" : nic.Mac.ToString();
}
