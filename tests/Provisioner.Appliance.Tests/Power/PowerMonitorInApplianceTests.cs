using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Appliance.Tests.Power;

/// <summary>The appliance's power monitor polls a node's real BMC (ipmi_sim over RMCP+) and keeps its power state and history.</summary>
[Trait("Area", "Power")]
[Trait("Peer", "ipmi_sim")]
public sealed class PowerMonitorInApplianceTests
{
    [Fact]
    public async Task Monitor_NodeWithIpmiBmc_PowerStateFollowsTheBmcAndIsRecorded()
    {
        await using var bmc = await IpmiSimulator.StartAsync(new IpmiSimulatorOptions { InitiallyOn = true });
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string> { ["Power:MonitorIntervalSeconds"] = "1" });
        using var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl);
        await api.SetupAdminAsync();
        var bpod = await api.CreateBpodAsync("zp", "rp", "10.8.0");
        var node = await api.CreateIpmiNodeAsync(bpod, "db-01", "52:54:00:aa:cc:01", bmc.EndPoint, "admin", "rackpass");
        var id = node["id"]!.GetValue<string>();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string? power = null;
        while (DateTime.UtcNow < deadline && power != "on")
        {
            power = (await api.GetAsync($"api/v1/nodes/{id}"))["powerState"]!.GetValue<string>();
            await Task.Delay(500);
        }

        Assert.Equal("on", power);
        var history = (await api.GetAsync($"api/v1/nodes/{id}/history")).ToJsonString();
        Assert.Contains("power-monitor", history, StringComparison.Ordinal);
        // The BMC secret never comes back from the API.
        Assert.DoesNotContain("rackpass", (await api.GetAsync($"api/v1/nodes/{id}")).ToJsonString(), StringComparison.Ordinal);
    }
}
