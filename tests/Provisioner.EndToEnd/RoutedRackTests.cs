using Provisioner.TestKit.VirtualRack;

namespace Provisioner.EndToEnd;

/// <summary>
/// An L3 BPOD: the rack sits behind its top-of-rack router, which relays DHCP (ISC dhcrelay) to the appliance. A blank
/// machine there PXE-boots through the relay, is enlisted into the BPOD whose relay address is the giaddr, named by its
/// pattern, and commissioned to Ready.
/// </summary>
[Trait("Area", "EndToEnd")]
[Trait("Peer", "qemu")]
[Trait("Peer", "dhcrelay")]
public sealed class RoutedRackTests
{
    [Fact]
    public async Task MachineBehindRelay_EnlistedInTheL3BpodOfItsGiaddr_Ready()
    {
        await using var rack = await VirtualBpod.StartAsync(withRoutedRack: true);
        var routed = rack.Routed!;
        var machine = await rack.Network.AddMachineAsync(routed.Namespace, routed.Bridge);
        await machine.StartAsync();

        var node = await rack.WaitForNodeStateAsync(machine.Spec.Mac, "ready", TimeSpan.FromMinutes(5), machine);

        Assert.Equal(rack.RoutedBpodId, node["bpodId"]!.GetValue<string>());
        Assert.Equal("z1-r1l3-01", node["hostname"]!.GetValue<string>());
        var timeline = (await rack.Api.GetAsync($"api/v1/nodes/{node["id"]}/timeline")).AsArray();
        var ack = timeline.First(e => e!["kind"]!.GetValue<string>() == "dhcp-ack")!;
        Assert.Equal(routed.Gateway, ack["details"]!["relay"]!.GetValue<string>());
        Assert.StartsWith("10.79.0.", ack["details"]!["address"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
