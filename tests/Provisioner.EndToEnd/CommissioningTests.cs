using Provisioner.TestKit.VirtualRack;

namespace Provisioner.EndToEnd;

/// <summary>
/// The walking skeleton: a blank machine powered on in the rack PXE-boots from the appliance's DHCP, runs iPXE, boots
/// the live image over HTTP, and its agent enlists and commissions it: the node is Ready in the right BPOD with the
/// right name and its hardware, and the machine powers itself off.
/// </summary>
[Trait("Area", "EndToEnd")]
[Trait("Peer", "qemu")]
public sealed class CommissioningTests
{
    [Fact]
    public async Task PowerOn_UnknownBiosMachine_EnlistedAndReadyInItsBpodThenPoweredOff()
    {
        await using var rack = await VirtualBpod.StartAsync();
        var machine = await rack.Network.AddMachineAsync();
        await machine.StartAsync();

        var node = await rack.WaitForNodeStateAsync(machine.Spec.Mac, "ready", TimeSpan.FromMinutes(4), machine);

        Assert.Equal("z1-r1-01", node["hostname"]!.GetValue<string>());
        Assert.Equal(rack.BpodId, node["bpodId"]!.GetValue<string>());
        var facts = node["hardwareFacts"]!;
        Assert.Contains(facts["disks"]!.AsArray(), d => d!["path"]!.GetValue<string>() == "/dev/vda");
        Assert.Contains(facts["nics"]!.AsArray(), n => n!["mac"]!.GetValue<string>() == machine.Spec.Mac);
        Assert.True(facts["memoryBytes"]!.GetValue<long>() > 512L * 1024 * 1024);

        // The boot timeline tells the whole story in order: DHCP, the iPXE script over HTTP, the agent.
        var timeline = (await rack.Api.GetAsync($"api/v1/nodes/{node["id"]}/timeline")).AsArray().Select(e => e!["kind"]!.GetValue<string>()).ToList();
        var ack = timeline.IndexOf("dhcp-ack");
        var script = timeline.IndexOf("ipxe-script");
        var hello = timeline.IndexOf("agent-hello");
        var facts2 = timeline.IndexOf("facts");
        Assert.True(ack >= 0 && script > ack && hello > script && facts2 > hello, "timeline order: " + string.Join(", ", timeline));

        // Commissioned machines wait powered off.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (machine.IsRunning && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        Assert.False(machine.IsRunning, "the machine was not powered off after commissioning:\n" + machine.Console.Tail(30));
    }
}
