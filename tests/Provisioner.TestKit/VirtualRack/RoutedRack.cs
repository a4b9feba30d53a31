using System.Globalization;
using System.Net;

namespace Provisioner.TestKit.VirtualRack;

/// <summary>
/// A BPOD of network type L3: the rack's own namespace stands for its top-of-rack router, with the rack's bridge at the
/// gateway address, a /30 transit link to the appliance's namespace, IP forwarding, and ISC dhcrelay relaying the rack's
/// DHCP to the appliance (giaddr = the gateway). Traffic stays inside the two namespaces.
/// </summary>
public sealed class RoutedRack : IAsyncDisposable
{
    private readonly PeerProcess _relay;

    private RoutedRack(NetNamespace ns, string bridge, string gatewayCidr, string uplinkInCore, PeerProcess relay)
    {
        Namespace = ns;
        Bridge = bridge;
        GatewayCidr = gatewayCidr;
        UplinkInCore = uplinkInCore;
        _relay = relay;
    }

    public NetNamespace Namespace { get; }

    /// <summary>The rack's bridge (its machines' L2).</summary>
    public string Bridge { get; }

    /// <summary>The router's address on the rack with its prefix, e.g. 10.79.0.1/24; the relay's giaddr.</summary>
    public string GatewayCidr { get; }

    public string Gateway => GatewayCidr.Split('/')[0];

    /// <summary>The rack's subnet, e.g. 10.79.0.0/24.</summary>
    public string Subnet => SubnetOf(GatewayCidr);

    /// <summary>The transit link's device in the appliance's namespace: relayed DHCP arrives there.</summary>
    public string UplinkInCore { get; }

    /// <summary>What dhcrelay printed (for failure messages).</summary>
    public string RelayLog => _relay.Stdout + _relay.Stderr;

    internal static async Task<RoutedRack> CreateAsync(VirtualRackNetwork core, string gatewayCidr, int index)
    {
        Peers.Require("dhcrelay", "isc-dhcp-relay");
        var ns = await NetNamespace.CreateAsync("l3rack");
        try
        {
            var coreSide = string.Create(CultureInfo.InvariantCulture, $"10.76.{index}.1");
            var rackSide = string.Create(CultureInfo.InvariantCulture, $"10.76.{index}.2");
            var (inCore, inRack) = await NetNamespace.LinkAsync(core.Namespace, ns, coreSide + "/30", rackSide + "/30");
            var bridge = await ns.AddBridgeAsync(gatewayCidr);
            await ns.ExecAsync("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            await ns.ExecAsync("ip", "route", "add", "default", "via", coreSide);
            await core.Namespace.ExecAsync("ip", "route", "add", SubnetOf(gatewayCidr), "via", rackSide);
            // -id: the rack side (downstream), -iu: the uplink; relayed to the appliance's provisioning address.
            var relay = ns.Start("dhcrelay", "-4", "-d", "-id", bridge, "-iu", inRack, core.ApplianceAddress);
            return new RoutedRack(ns, bridge, gatewayCidr, inCore, relay);
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    private static string SubnetOf(string cidr)
    {
        var parts = cidr.Split('/');
        var prefix = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var address = IPAddress.Parse(parts[0]).GetAddressBytes();
        for (var bit = prefix; bit < 32; bit++)
        {
            address[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return $"{new IPAddress(address)}/{prefix}";
    }

    public async ValueTask DisposeAsync()
    {
        await _relay.DisposeAsync();
        await Namespace.DisposeAsync();
    }
}
