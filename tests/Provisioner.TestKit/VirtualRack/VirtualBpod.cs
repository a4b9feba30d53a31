using System.Globalization;
using System.Text.Json.Nodes;
using Provisioner.TestKit.Appliance;

namespace Provisioner.TestKit.VirtualRack;

/// <summary>
/// One BPOD's network with the real appliance serving DHCP, TFTP and HTTP on it, a zone and an L2 BPOD created
/// through the REST API, and machines added by the caller. Shared by the end-to-end tests and <c>make demo</c>.
/// Everything is removed on dispose, even after a failure.
/// </summary>
public sealed class VirtualBpod : IAsyncDisposable
{
    public const string ApplianceAddress = "10.77.0.1";
    public const int HttpPort = 8080;

    private VirtualBpod(VirtualRackNetwork network, ApplianceProcess appliance, ApplianceApiClient api, string zoneName, string bpodName, string zoneId, string bpodId)
    {
        Network = network;
        Appliance = appliance;
        Api = api;
        ZoneName = zoneName;
        BpodName = bpodName;
        ZoneId = zoneId;
        BpodId = bpodId;
    }

    public string ZoneName { get; }

    /// <summary>The L3 rack behind dhcrelay (with <c>withRoutedRack</c>), BPOD "{bpod}l3".</summary>
    public RoutedRack? Routed { get; private init; }

    public string? RoutedBpodId { get; private init; }

    public string BpodName { get; }

    public VirtualRackNetwork Network { get; }

    public ApplianceProcess Appliance { get; private set; }

    private readonly List<ApplianceProcess> _killed = [];

    private IDictionary<string, string> _settings = new Dictionary<string, string>();

    public ApplianceApiClient Api { get; }

    public string ZoneId { get; }

    public string BpodId { get; }

    /// <summary>Starts the rack network and the appliance in it, signs in as a new admin and creates the zone and BPOD.</summary>
    /// <param name="extraSettings">Appliance settings added to (or replacing) the rack's own.</param>
    /// <param name="admin">The first admin's name and password (the tests' defaults when null).</param>
    public static async Task<VirtualBpod> StartAsync(string zone = "z1", string bpod = "r1",
        IDictionary<string, string>? extraSettings = null, (string Name, string Password)? admin = null, string? dataDirectory = null,
        bool withRoutedRack = false)
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
            var routed = withRoutedRack ? await network.AddRoutedRackAsync() : null;
            var settings = new Dictionary<string, string>
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
            };
            if (routed is not null)
            {
                settings["Dhcp:Interfaces:1"] = routed.UplinkInCore; // relayed DHCP from the L3 rack arrives here
            }

            foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
            {
                settings[key] = value;
            }

            appliance = await ApplianceProcess.StartAsync(settings, netns: network.Namespace.Name, dataDirectory: dataDirectory, startTimeout: TimeSpan.FromSeconds(90));
            var api = new ApplianceApiClient(network.Namespace.CreateHttpClient(), baseUrl);
            if (admin is { } a)
            {
                await api.SetupAdminAsync(a.Name, a.Password);
            }
            else
            {
                await api.SetupAdminAsync();
            }

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
            string? routedId = null;
            if (routed is not null)
            {
                var subnet = routed.Subnet;
                var first = subnet[..subnet.LastIndexOf('.')];
                var r = await api.PostAsync("api/v1/bpods", new
                {
                    zoneId = z["id"]!.GetValue<string>(),
                    name = bpod + "l3",
                    networkType = "l3",
                    provisioningSubnet = subnet,
                    gateway = routed.Gateway,
                    dynamicRangeStart = first + ".100",
                    dynamicRangeEnd = first + ".199",
                    relayAddresses = new[] { routed.Gateway },
                    namingPattern = "{zone}-{bpod}-{slot:00}",
                    enlistUnknown = true,
                    leaseTimeSeconds = 3600,
                });
                routedId = r["id"]!.GetValue<string>();
            }

            return new VirtualBpod(network, appliance, api, zone, bpod, z["id"]!.GetValue<string>(), b["id"]!.GetValue<string>())
            {
                _settings = settings,
                Routed = routed,
                RoutedBpodId = routedId,
            };
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

    /// <summary>Registers <paramref name="machine"/> as a node of this BPOD with its BMC (driver ipmi), as ops do before commissioning.</summary>
    public async Task<JsonNode> RegisterAsync(VirtualMachine machine, int slot)
    {
        var bmc = machine.Bmc ?? throw new InvalidOperationException($"{machine.Spec.Name} has no BMC; add it with AddMachineWithBmcAsync.");
        return await RegisterAsync(machine.Spec.Mac, slot, bmc.EndPoint);
    }

    /// <summary>Registers a node with <paramref name="mac"/> whose IPMI BMC is at <paramref name="bmc"/> (which may not answer).</summary>
    public Task<JsonNode> RegisterAsync(string mac, int slot, System.Net.IPEndPoint bmc) =>
        Api.CreateIpmiNodeAsync(BpodId, HostnameOf(slot), mac, bmc, VirtualRackNetwork.BmcUser.Name, VirtualRackNetwork.BmcUser.Password, slot);

    /// <summary>The BPOD naming pattern's name for <paramref name="slot"/>.</summary>
    public string HostnameOf(int slot) => string.Create(CultureInfo.InvariantCulture, $"{ZoneName}-{BpodName}-{slot:00}");

    /// <summary>
    /// Registers the test OS disk (images/test-os/out/disk.img.zst) as <paramref name="name"/>: the file is placed in the
    /// appliance's images directory and registered with its raw size and sha256, as ops do for an image they copied there.
    /// </summary>
    /// <param name="sha256">The digest to register; a wrong one makes the deploy fail verification.</param>
    /// <param name="chunked">Then import it into the chunked format (verified against the digest), as ops do before deploying.</param>
    public async Task<JsonNode> RegisterTestOsAsync(string name = "test-os", string? sha256 = null, bool chunked = true)
    {
        var testOs = TestOsImage.Load();
        var images = Path.Combine(Appliance.DataDirectory, "images");
        Directory.CreateDirectory(images);
        File.Copy(testOs.ZstdPath, Path.Combine(images, name + ".raw.zst"), overwrite: true);
        var image = await Api.PostAsync("api/v1/images", new
        {
            name,
            format = "raw-zstd",
            sizeBytes = testOs.RawSizeBytes,
            sha256 = sha256 ?? testOs.RawSha256,
            location = name + ".raw.zst",
            description = "the project's test OS (UEFI)",
        });
        if (chunked)
        {
            await Api.PostAsync($"api/v1/images/{name}/import", new { });
            image = await Api.GetAsync($"api/v1/images/{name}");
        }

        return image;
    }

    /// <summary>Asks for a lifecycle action (commission, deploy, release...) and returns the job it started.</summary>
    public async Task<JsonNode> ActAsync(JsonNode node, string action, object? body = null) =>
        await Api.PostAsync($"api/v1/nodes/{node["id"]}/actions/{action}", body ?? new { });

    /// <summary>
    /// Polls the API until the node with <paramref name="mac"/> is in <paramref name="state"/> with no active job; fails with its jobs,
    /// timeline and console.
    /// </summary>
    public async Task<JsonNode> WaitForNodeStateAsync(string mac, string state, TimeSpan timeout, VirtualMachine machine)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var page = await Api.GetAsync($"api/v1/nodes?search={Uri.EscapeDataString(mac)}");
            last = page["items"]!.AsArray().FirstOrDefault(n => n!["mac"]?.GetValue<string>() == mac);
            // Settled: in the state, and the job that brought it there has finished too.
            if (last?["state"]?.GetValue<string>() == state
                && (await Api.GetAsync($"api/v1/jobs?nodeId={last["id"]}&active=true"))["items"]!.AsArray().Count == 0)
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
        var jobs = last is null ? string.Empty : await JobsSummaryAsync(last["id"]!.GetValue<string>());
        var bmc = machine.Bmc is { } b ? $"\nBMC events:\n{b.EventsLog}" : string.Empty;
        throw new TimeoutException($"Node {mac} did not reach {state} within {timeout.TotalSeconds:0} s (last: {last?["state"]}).\n" +
                                   $"Jobs:\n{jobs}\nBoot timeline:\n{timeline}{bmc}\nConsole tail:\n{machine.Console.Tail(60)}\n" +
                                   $"Appliance log tail:\n{Tail(Appliance.Process.Stdout, 40)}");
    }

    /// <summary>The node's jobs with their steps and the last log lines of the newest, for failure messages.</summary>
    public async Task<string> JobsSummaryAsync(string nodeId)
    {
        var page = await Api.GetAsync($"api/v1/jobs?nodeId={nodeId}&limit=10");
        var sb = new System.Text.StringBuilder();
        var all = page["items"]!.AsArray();
        var newest = all.MaxBy(j => j!["createdAt"]!.GetValue<DateTimeOffset>());
        foreach (var job in all)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {job!["kind"]} {job["state"]} {job["error"]}\n");
            foreach (var step in job["steps"]!.AsArray())
            {
                sb.Append(CultureInfo.InvariantCulture, $"    {step!["name"]}: {step["state"]} attempt {step["attempt"]} {step["message"]} {step["error"]}\n");
            }
        }

        if (newest is not null)
        {
            foreach (var line in (await Api.GetAsync($"api/v1/jobs/{newest["id"]}/log?limit=5000")).AsArray().TakeLast(25))
            {
                sb.Append(CultureInfo.InvariantCulture, $"  | {line!["level"]} {line["text"]}\n");
            }
        }

        return sb.ToString();
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    /// <summary>
    /// Kills the appliance with SIGKILL (no shutdown of any kind) and starts it again on the same data directory and
    /// settings, as after a power loss of the appliance's own machine.
    /// </summary>
    public async Task KillAndRestartApplianceAsync()
    {
        PeerProcess.Signal(Appliance.Process.Pid, 9);
        await Appliance.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        _killed.Add(Appliance);
        Appliance = await ApplianceProcess.StartAsync(_settings, netns: Network.Namespace.Name, dataDirectory: Appliance.DataDirectory,
            startTimeout: TimeSpan.FromSeconds(90));
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await Appliance.DisposeAsync();
        foreach (var first in _killed)
        {
            await first.DisposeAsync(); // the first one owns the data directory
        }

        await Network.DisposeAsync();
    }
}
