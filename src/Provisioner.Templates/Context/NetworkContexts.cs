using System.Globalization;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Templates.Context;

/// <summary>A node's resolved network (<see cref="NodeNetworkResolver"/>) as template context: bonds and VLANs in the
/// shape <see cref="TemplateContextInputs.Bonds"/> and <see cref="TemplateContextInputs.Vlans"/> take.</summary>
public static class NetworkContexts
{
    /// <summary>The id the default network-config gives an interface: "en" + the MAC's hex digits ("en525400770007").
    /// A VLAN on an interface names its parent by this id.</summary>
    public static string EthernetId(MacAddress mac) => "en" + mac.ToString().Replace(":", string.Empty, StringComparison.Ordinal);

    public static IReadOnlyList<BondContext> Bonds(NodeNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Bonds.Select(b => new BondContext
        {
            Name = b.Name,
            Mode = b.Mode,
            Members = b.Members.Select(m => m.Mac.ToString()).ToList(),
            Mtu = b.Mtu,
            LacpRate = b.LacpRate,
            TransmitHashPolicy = b.TransmitHashPolicy,
            Provisioning = b.CarriesProvisioning,
        }).ToList();
    }

    public static IReadOnlyList<VlanContext> Vlans(NodeNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Vlans.Select(v => new VlanContext
        {
            Name = v.Name,
            Id = v.Id,
            Link = v.ParentBond ?? EthernetId(v.ParentInterface!.Mac),
            LinkMac = v.ParentInterface?.Mac.ToString(),
            Subnet = v.Subnet.ToString(),
            Address = v.Address is { } a ? string.Create(CultureInfo.InvariantCulture, $"{a}/{v.Subnet.PrefixLength}") : null,
            Dhcp = v.Dhcp,
            Gateway = v.Gateway?.ToString(),
            DefaultRoute = v.DefaultRoute,
            Mtu = v.Mtu,
            Dns = v.DnsServers.Select(d => d.ToString()).ToList(),
        }).ToList();
    }
}
