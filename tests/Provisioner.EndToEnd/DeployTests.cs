using System.Text.Json.Nodes;
using Provisioner.TestKit.VirtualRack;

namespace Provisioner.EndToEnd;

/// <summary>
/// The product's main job with no hand steps: a UEFI machine behind its own IPMI BMC is registered, powered on through
/// RMCP+, commissioned, deployed with the test OS (streamed, verified, NoCloud seed written, next boot set to disk through
/// IPMI), becomes Deployed only when its own first boot calls back, and is released (wiped, Ready, powered off).
/// </summary>
[Trait("Area", "EndToEnd")]
[Trait("Peer", "qemu")]
[Trait("Peer", "ipmi_sim")]
public sealed class DeployTests
{
    [Fact]
    public async Task UefiMachineWithBmc_CommissionDeployRelease_NoHandSteps()
    {
        await using var rack = await VirtualBpod.StartAsync();
        var machine = await rack.Network.AddMachineWithBmcAsync(mac => new MachineSpec { Name = "m1", Mac = mac, Firmware = Firmware.Uefi });
        var bmc = machine.Bmc!;
        var node = await rack.RegisterAsync(machine, slot: 1);
        var image = await rack.RegisterTestOsAsync();
        Assert.Equal("chunked", image["format"]!.GetValue<string>());
        Assert.False(machine.IsRunning);

        // Commission: the appliance sets PXE and powers the machine on through its BMC.
        await rack.ActAsync(node, "commission");
        node = await rack.WaitForNodeStateAsync(machine.Spec.Mac, "ready", TimeSpan.FromMinutes(5), machine);
        Assert.Contains("boot pxe", bmc.EventsLog, StringComparison.Ordinal);
        Assert.Contains("power 1", bmc.EventsLog, StringComparison.Ordinal);
        Assert.Equal("\"uefi\"", node["hardwareFacts"]!["firmware"]!.ToJsonString().ToLowerInvariant());

        // Deploy the test OS with the test profile.
        await rack.ActAsync(node, "deploy", new { image = "test-os", profile = "test-os" });
        node = await rack.WaitForNodeStateAsync(machine.Spec.Mac, "deployed", TimeSpan.FromMinutes(12), machine);

        var deploy = await NewestJobAsync(rack, node, "deploy");
        Assert.Equal("succeeded", deploy["state"]!.GetValue<string>());
        var stream = deploy["steps"]!.AsArray().Single(s => s!["name"]!.GetValue<string>() == "stream-image")!;
        Assert.Equal(100.0, stream["percent"]!.GetValue<double>(), 1);
        // The BMC was told to boot from disk, and the machine did: the test OS ran the rendered user-data.
        Assert.Equal("default", bmc.BootFile);
        // The node is Deployed as soon as the callback reaches the appliance; the guest prints its side a moment later.
        await machine.Console.WaitForLineAsync("PROVISIONER-USERDATA callback ok", TimeSpan.FromSeconds(30));
        await machine.Console.WaitForLineAsync("PROVISIONER-EVENT firstboot done hostname=z1-r1-01", TimeSpan.FromSeconds(30));
        var timeline = (await rack.Api.GetAsync($"api/v1/nodes/{node["id"]}/timeline")).AsArray().Select(e => e!["kind"]!.GetValue<string>()).ToList();
        Assert.Contains("callback", string.Join(',', timeline), StringComparison.Ordinal);

        // Release with a wipe: back to Ready, powered off, the disk's partition table gone.
        await rack.ActAsync(node, "release", new { wipe = true });
        var state = await rack.WaitForNodeStateAsync(machine.Spec.Mac, "ready", TimeSpan.FromMinutes(6), machine);
        Assert.Equal("off", state["powerState"]!.GetValue<string>());
        Assert.False(machine.IsRunning, "released machine still running:\n" + machine.Console.Tail(20));
        Assert.True(IsZero(machine.DiskPath, offset: 512, length: 512), "the GPT header survived the wipe");
    }

    private static async Task<JsonNode> NewestJobAsync(VirtualBpod rack, JsonNode node, string kind)
    {
        var jobs = (await rack.Api.GetAsync($"api/v1/jobs?nodeId={node["id"]}&kind={kind}&limit=50"))["items"]!.AsArray();
        return jobs.MaxBy(j => j!["createdAt"]!.GetValue<DateTimeOffset>())!;
    }

    private static bool IsZero(string path, long offset, int length)
    {
        using var f = File.OpenRead(path);
        f.Position = offset;
        var buffer = new byte[length];
        f.ReadExactly(buffer);
        return buffer.All(b => b == 0);
    }
}
