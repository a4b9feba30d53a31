using System.Text.Json.Nodes;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;
using Provisioner.TestKit.VirtualRack;

namespace Provisioner.EndToEnd;

/// <summary>
/// One BPOD's network with the real appliance serving DHCP, TFTP and HTTP on it, a zone and an L2 BPOD created
/// through the REST API, and machines added per test. Everything is removed when the test ends, even if it fails.
/// </summary>
public sealed class VirtualRack : IAsyncDisposable
{
    public const string ApplianceAddress = "10.77.0.1";
    public const int HttpPort = 8080;

    private VirtualRack(VirtualRackNetwork network, ApplianceProcess appliance, ApplianceApiClient api, string zoneId, string bpodId)
    {
        Network = network;
        Appliance = appliance;
        Api = api;
        ZoneId = zoneId;
        BpodId = bpodId;
    }

    public VirtualRackNetwork Network { get; }

    public ApplianceProcess Appliance { get; }

    public ApplianceApiClient Api { get; }

    public string ZoneId { get; }

    public string BpodId { get; }

    public static async Task<VirtualRack> StartAsync(string zone = "z1", string bpod = "r1")
    {
        var live = RepoPaths.Of("images", "live", "out");
        if (!File.Exists(Path.Combine(live, "vmlinuz")) || !File.Exists(Path.Combine(live, "initrd.img")))
        {
            throw new InvalidOperationException($"The live image is not built ({live}). Run 'make live-image' (make test does).");
        }

        if (!File.Exists(RepoPaths.Of("pxe", "undionly.kpxe")))
        {
            throw new InvalidOperationException("The boot loaders are missing in pxe/. Run 'make pxe' (make test does).");
        }

        var network = await VirtualRackNetwork.CreateAsync($"{ApplianceAddress}/24");
        ApplianceProcess? appliance = null;
        try
        {
            var baseUrl = $"http://{ApplianceAddress}:{HttpPort}";
            appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string>
            {
                ["Http:Urls"] = baseUrl,
                ["PublicBaseUrl"] = baseUrl,
                ["Dhcp:Mode"] = "Authoritative",
                ["Dhcp:Interfaces:0"] = network.Bridge,
                ["Tftp:Enabled"] = "true",
                ["Tftp:Address"] = ApplianceAddress,
                ["Paths:LiveImage"] = live,
                ["Paths:Pxe"] = RepoPaths.Of("pxe"),
                ["Paths:Templates"] = RepoPaths.Of("templates"),
                ["ApplianceName"] = "e2e",
            }, netns: network.Namespace.Name, startTimeout: TimeSpan.FromSeconds(90));
            var api = new ApplianceApiClient(network.Namespace.CreateHttpClient(), baseUrl);
            await api.SetupAdminAsync();
            var z = await api.PostAsync("api/v1/zones", new { name = zone, description = "end-to-end zone" });
            var b = await api.PostAsync("api/v1/bpods", new
            {
                zoneId = z["id"]!.GetValue<string>(),
                name = bpod,
                networkType = "l2",
                provisioningSubnet = "10.77.0.0/24",
                dynamicRangeStart = "10.77.0.100",
                dynamicRangeEnd = "10.77.0.199",
                interfaceName = network.Bridge,
                namingPattern = "{zone}-{bpod}-{slot:00}",
                enlistUnknown = true,
                leaseTimeSeconds = 3600,
            });
            return new VirtualRack(network, appliance, api, z["id"]!.GetValue<string>(), b["id"]!.GetValue<string>());
        }
        catch
        {
            if (appliance is not null)
            {
                await appliance.DisposeAsync();
            }

            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Polls the API until the node with <paramref name="mac"/> is in <paramref name="state"/>; fails with its timeline and console.</summary>
    public async Task<JsonNode> WaitForNodeStateAsync(string mac, string state, TimeSpan timeout, VirtualMachine machine)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var page = await Api.GetAsync($"api/v1/nodes?search={Uri.EscapeDataString(mac)}");
            last = page["items"]!.AsArray().FirstOrDefault(n => n!["mac"]?.GetValue<string>() == mac);
            if (last?["state"]?.GetValue<string>() == state)
            {
                return await Api.GetAsync($"api/v1/nodes/{last["id"]}");
            }

            if (last?["state"]?.GetValue<string>() is { } s && s.StartsWith("failed", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(1000);
        }

        var timeline = last is null ? "(node not enlisted)" : ApplianceApiClient.Show(await Api.GetAsync($"api/v1/nodes/{last["id"]}/timeline"));
        throw new TimeoutException($"Node {mac} did not reach {state} within {timeout.TotalSeconds:0} s (last: {last?["state"]}).\n" +
                                   $"Boot timeline:\n{timeline}\nConsole tail:\n{machine.Console.Tail(60)}\nAppliance log tail:\n{Tail(Appliance.Process.Stdout, 40)}");
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Appliance.DisposeAsync();
        await Network.DisposeAsync();
    }
}
