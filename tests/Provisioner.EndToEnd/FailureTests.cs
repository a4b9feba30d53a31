using System.Net;
using System.Text.Json.Nodes;
using Provisioner.TestKit.VirtualRack;

namespace Provisioner.EndToEnd;

/// <summary>
/// What goes wrong in a real rack ends in a Failed state whose reason names the node, the step and what to look at:
/// a BMC that never answers, a machine that never PXE-boots (NIC not cabled), and an image whose checksum is wrong.
/// The three run side by side in one rack.
/// </summary>
[Trait("Area", "EndToEnd")]
[Trait("Peer", "qemu")]
[Trait("Peer", "ipmi_sim")]
public sealed class FailureTests
{
    [Fact]
    public async Task DeadBmc_UncabledMachine_WrongChecksum_EachFailsWithItsReason()
    {
        await using var rack = await VirtualBpod.StartAsync(extraSettings: new Dictionary<string, string> { ["Jobs:WaitAgentMinutes"] = "1" });

        // A BMC address on the rack's own network that nothing answers (ARP goes unanswered; nothing leaves the namespace).
        var silentBmc = new IPEndPoint(IPAddress.Parse("10.77.0.250"), 623);
        var deadBmcNode = await rack.RegisterAsync("52:54:00:77:0f:01", slot: 9, silentBmc);
        var uncabled = await rack.Network.AddMachineWithBmcAsync(cabled: false);
        var uncabledNode = await rack.RegisterAsync(uncabled, slot: 2);
        var good = await rack.Network.AddMachineWithBmcAsync();
        var goodNode = await rack.RegisterAsync(good, slot: 3);

        await rack.ActAsync(deadBmcNode, "commission");
        await rack.ActAsync(uncabledNode, "commission");
        await rack.ActAsync(goodNode, "commission");

        var dead = await WaitFailedAsync(rack, deadBmcNode, "failed-commissioning", TimeSpan.FromMinutes(5));
        Assert.Equal("set-boot-pxe", dead["failedStep"]!.GetValue<string>());
        var deadReason = dead["stateReason"]!.GetValue<string>();
        Assert.True(deadReason.Contains(silentBmc.Address.ToString(), StringComparison.Ordinal), deadReason);

        var never = await WaitFailedAsync(rack, uncabledNode, "failed-commissioning", TimeSpan.FromMinutes(5));
        Assert.Equal("wait-agent", never["failedStep"]!.GetValue<string>());
        var reason = never["stateReason"]!.GetValue<string>();
        Assert.Contains("z1-r1-02", reason, StringComparison.Ordinal);
        Assert.True(reason.Contains("nothing from its MACs", StringComparison.Ordinal), reason);
        Assert.True(uncabled.Console.Text.Length > 0, "the uncabled machine was never powered on");

        // The cabled machine commissions; its deploy of an image registered with the wrong digest fails verification.
        await rack.WaitForNodeStateAsync(good.Spec.Mac, "ready", TimeSpan.FromMinutes(5), good);
        await rack.RegisterTestOsAsync("bad-sum", sha256: new string('0', 64), chunked: false); // an import would refuse it
        await rack.ActAsync(goodNode, "deploy", new { image = "bad-sum", profile = "test-os" });
        var bad = await WaitFailedAsync(rack, goodNode, "failed-deployment", TimeSpan.FromMinutes(6));
        Assert.Equal("stream-image", bad["failedStep"]!.GetValue<string>());
        var badReason = bad["stateReason"]!.GetValue<string>();
        Assert.True(badReason.Contains("sha256", StringComparison.OrdinalIgnoreCase), badReason);
        Assert.Equal("pxe", good.Bmc!.BootFile); // never told to boot a disk it did not verify
    }

    private static async Task<JsonNode> WaitFailedAsync(VirtualBpod rack, JsonNode node, string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode current = node;
        while (DateTime.UtcNow < deadline)
        {
            current = await rack.Api.GetAsync($"api/v1/nodes/{node["id"]}");
            if (current["state"]!.GetValue<string>() == state)
            {
                return current;
            }

            await Task.Delay(1000);
        }

        throw new TimeoutException($"{node["hostname"]} is {current["state"]} ({current["stateReason"]}), not {state}, after {timeout.TotalMinutes} min.\n" +
                                   await rack.JobsSummaryAsync(node["id"]!.GetValue<string>()));
    }
}
