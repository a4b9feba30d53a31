using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;
using Provisioner.TestKit.Dhcp;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Appliance.Tests.Diagnostics;

/// <summary>
/// GET /api/v1/diagnostics on the real appliance: each check passing, then failing for a real reason (files broken on
/// disk, a BMC gone, a public URL that is not the appliance, another DHCP server on the segment, an interface that lost
/// its address), each failure saying what to do.
/// </summary>
[Trait("Area", "Diagnostics")]
public sealed class DiagnosticsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("provisioner-doctor-").FullName;

    private string PxeDirectory => Path.Combine(_dir, "pxe");

    private string LiveDirectory => Path.Combine(_dir, "live");

    [Fact]
    [Trait("Peer", "ipmi_sim")]
    public async Task Diagnostics_FilesBmcTftpAndUrlInOrder_AllOk_ThenBrokenFilesAndAGoneBmcFailWithFixes()
    {
        WriteBootLoaders();
        WriteLiveImage();
        var bmc = await IpmiSimulator.StartAsync();
        var bmcStopped = false;
        try
        {
            await HealthyThenBrokenAsync(bmc, () => bmcStopped = true);
        }
        finally
        {
            if (!bmcStopped)
            {
                await bmc.DisposeAsync();
            }
        }
    }

    private async Task HealthyThenBrokenAsync(IpmiSimulator bmc, Action stopped)
    {
        var tftpPort = FreePort.Udp();
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Paths:Pxe"] = PxeDirectory,
            ["Paths:LiveImage"] = LiveDirectory,
            ["Power:MonitorIntervalSeconds"] = "0",
            ["Tftp:Enabled"] = "true",
            ["Tftp:Address"] = "127.0.0.1",
            ["Tftp:Port"] = tftpPort.ToString(CultureInfo.InvariantCulture),
        });
        using var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl);
        await api.SetupAdminAsync();
        await RegisterNodeWithBmcAsync(api, "doc-01", "52:54:00:d0:c0:01", bmc.EndPoint.Address.ToString(), bmc.EndPoint.Port);

        var report = await DiagnosticsAsync(api);
        Assert.Equal(["clock", "boot-loaders", "live-image", "http-public-url", "dhcp-listeners", "tftp", "foreign-dhcp", "bmcs"],
            report.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(report, c => Assert.True(c!["status"]!.GetValue<string>() == "ok", c.ToJsonString()));
        Assert.Contains("undionly.kpxe (BIOS), snponly.efi (UEFI x86-64)", Summary(report, "boot-loaders"), StringComparison.Ordinal);
        Assert.Contains("none for UEFI IA32 or UEFI ARM64 (optional)", Summary(report, "boot-loaders"), StringComparison.Ordinal);
        Assert.Contains("kernel 6.1.0-test", Summary(report, "live-image"), StringComparison.Ordinal);
        Assert.Equal(tftpPort.ToString(CultureInfo.InvariantCulture), Check(report, "tftp")["details"]!["port"]!.GetValue<string>());
        Assert.Equal("All 1 BMC(s) answered a power-state query.", Summary(report, "bmcs"));

        // Unverifiable boot loaders are a warning.
        File.Move(Path.Combine(PxeDirectory, "manifest.sha256"), Path.Combine(_dir, "manifest.sha256"));
        report = await DiagnosticsAsync(api);
        Assert.Equal("warn", Status(report, "boot-loaders"));
        Assert.Contains("make pxe", Fix(report, "boot-loaders"), StringComparison.Ordinal);
        File.Move(Path.Combine(_dir, "manifest.sha256"), Path.Combine(PxeDirectory, "manifest.sha256"));

        // Break things for real: a changed boot loader, a missing one, a truncated initrd, a BMC that went away.
        await File.WriteAllBytesAsync(Path.Combine(PxeDirectory, "snponly.efi"), RandomNumberGenerator.GetBytes(4096));
        report = await DiagnosticsAsync(api);
        Assert.Equal("fail", Status(report, "boot-loaders"));
        Assert.Contains("snponly.efi does not match manifest.sha256", Summary(report, "boot-loaders"), StringComparison.Ordinal);

        File.Delete(Path.Combine(PxeDirectory, "undionly.kpxe"));
        await using (var initrd = File.OpenWrite(Path.Combine(LiveDirectory, "initrd.img")))
        {
            initrd.SetLength(1000);
        }

        await bmc.DisposeAsync(); // stopped by its PID: the BMC is gone
        stopped();
        var watch = Stopwatch.StartNew();
        report = await DiagnosticsAsync(api);
        watch.Stop();

        Assert.Equal("fail", Status(report, "boot-loaders"));
        Assert.Contains("undionly.kpxe (BIOS)", Summary(report, "boot-loaders"), StringComparison.Ordinal);
        Assert.Contains("make pxe", Fix(report, "boot-loaders"), StringComparison.Ordinal);
        Assert.Equal("fail", Status(report, "live-image"));
        Assert.Contains("initrd.img is 1000 bytes, the manifest says 8192", Summary(report, "live-image"), StringComparison.Ordinal);
        Assert.Contains("make live-image", Fix(report, "live-image"), StringComparison.Ordinal);
        Assert.Equal("fail", Status(report, "bmcs"));
        Assert.Contains($"doc-01 at {bmc.EndPoint.Address}", Summary(report, "bmcs"), StringComparison.Ordinal);
        Assert.Contains("credentials", Fix(report, "bmcs"), StringComparison.Ordinal);
        Assert.Equal("ok", Status(report, "tftp"));
        // Concurrent and bounded: the dead BMC's wait does not add to the others'.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(16), $"diagnostics took {watch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task Diagnostics_PublicUrlThatIsNotThisAppliance_FailsSayingToFixPublicBaseUrl()
    {
        var elsewhere = $"http://127.0.0.1:{FreePort.Tcp()}";
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string> { ["PublicBaseUrl"] = elsewhere });
        using var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl);
        await api.SetupAdminAsync();

        var report = await DiagnosticsAsync(api);

        Assert.Equal("fail", Status(report, "http-public-url"));
        Assert.Contains($"cannot reach its own public URL {elsewhere}", Summary(report, "http-public-url"), StringComparison.Ordinal);
        Assert.Contains("Set PublicBaseUrl", Fix(report, "http-public-url"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnostics_Unauthenticated_Refused()
    {
        await using var appliance = await ApplianceProcess.StartAsync();
        using var http = new HttpClient();
        using var r = await http.GetAsync(new Uri(appliance.BaseUrl + "/api/v1/diagnostics"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Fact]
    [Trait("Peer", "dnsmasq")]
    public async Task Diagnostics_OnAProvisioningSegment_ListenersOk_ThenAForeignDhcpServerAndALostAddressFail()
    {
        const int Subnet = 61;
        await using var net = await DhcpTestNetwork.CreateAsync(Subnet);
        var own = net.ServerAddress.ToString();
        var publicUrl = $"http://{own}:8080";
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string>
        {
            // A loopback listener too, so the test still reaches the API once the segment address is gone.
            ["Http:Urls"] = $"{publicUrl};http://127.0.0.1:8081",
            ["PublicBaseUrl"] = publicUrl,
            ["Dhcp:Mode"] = "Authoritative",
            ["Dhcp:Interfaces:0"] = net.ServerInterface,
            ["Tftp:Enabled"] = "true",
            ["Tftp:Address"] = own,
            ["Power:MonitorIntervalSeconds"] = "0",
        }, netns: net.Server.Name);
        using var api = new ApplianceApiClient(net.Server.CreateHttpClient(), "http://127.0.0.1:8081");
        await api.SetupAdminAsync();
        var zone = await api.PostAsync("api/v1/zones", new { name = "zd" });
        await api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(),
            name = "rd",
            networkType = "l2",
            provisioningSubnet = $"198.18.{Subnet}.0/24",
            dynamicRangeStart = $"198.18.{Subnet}.100",
            dynamicRangeEnd = $"198.18.{Subnet}.150",
            interfaceName = net.ServerInterface,
            enlistUnknown = true,
        });

        var report = await DiagnosticsAsync(api);
        Assert.Equal("ok", Status(report, "dhcp-listeners"));
        Assert.Contains($"Authoritative DHCP bound on UDP 67 of {net.ServerInterface}", Summary(report, "dhcp-listeners"), StringComparison.Ordinal);
        Assert.Equal("ok", Status(report, "tftp"));
        Assert.Equal("ok", Status(report, "http-public-url"));
        Assert.Equal("ok", Status(report, "foreign-dhcp"));
        Assert.StartsWith("No other DHCP server answered", Summary(report, "foreign-dhcp"), StringComparison.Ordinal);

        // Another DHCP server appears on the segment.
        await net.Client.AddAddressAsync(net.ClientInterface, $"198.18.{Subnet}.2/24");
        var leaseFile = Path.Combine(_dir, "dnsmasq.leases");
        await using (var dnsmasq = net.Client.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", $"--interface={net.ClientInterface}",
                         "--bind-interfaces", $"--dhcp-range=198.18.{Subnet}.50,198.18.{Subnet}.60,255.255.255.0,1h", "--no-ping", $"--dhcp-leasefile={leaseFile}"))
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Status(report = await DiagnosticsAsync(api), "foreign-dhcp") != "fail")
            {
                Assert.True(DateTime.UtcNow < deadline, $"dnsmasq was not found: {Summary(report, "foreign-dhcp")}\n{dnsmasq.Stderr}");
            }
        }

        Assert.Contains($"198.18.{Subnet}.2 offered 198.18.{Subnet}.5", Summary(report, "foreign-dhcp"), StringComparison.Ordinal);
        Assert.Contains("Dhcp:Mode=Proxy", Fix(report, "foreign-dhcp"), StringComparison.Ordinal);
        // Our own server ignored the probe: no lease for it, no node enlisted from it.
        Assert.Equal(0, (await api.GetAsync("api/v1/nodes?search=02:70:76:64:6f:63"))["total"]!.GetValue<long>());

        // The provisioning interface loses its address: DHCP, TFTP and the public URL all break.
        await net.Server.ExecAsync("ip", "addr", "del", $"{own}/24", "dev", net.ServerInterface);
        report = await DiagnosticsAsync(api);
        Assert.Equal("fail", Status(report, "dhcp-listeners"));
        Assert.Contains($"{net.ServerInterface} has no IPv4 address", Summary(report, "dhcp-listeners"), StringComparison.Ordinal);
        Assert.Contains("ip addr add", Fix(report, "dhcp-listeners"), StringComparison.Ordinal);
        Assert.Equal("fail", Status(report, "tftp"));
        Assert.Contains($"{own}:69", Summary(report, "tftp"), StringComparison.Ordinal);
        Assert.Equal("fail", Status(report, "http-public-url"));

        await net.Server.ExecAsync("ip", "link", "set", net.ServerInterface, "down");
        report = await DiagnosticsAsync(api);
        Assert.Contains($"{net.ServerInterface} is down", Summary(report, "dhcp-listeners"), StringComparison.Ordinal);
        Assert.Contains($"ip link set {net.ServerInterface} up", Fix(report, "dhcp-listeners"), StringComparison.Ordinal);
    }

    /// <summary>Two boot loaders (BIOS, UEFI x64) and their manifest, as pxe/fetch.sh writes it.</summary>
    private void WriteBootLoaders()
    {
        Directory.CreateDirectory(PxeDirectory);
        var lines = new List<string>();
        foreach (var name in new[] { "undionly.kpxe", "snponly.efi" })
        {
            var bytes = RandomNumberGenerator.GetBytes(4096);
            File.WriteAllBytes(Path.Combine(PxeDirectory, name), bytes);
            lines.Add($"{Convert.ToHexStringLower(SHA256.HashData(bytes))}  {name}  ipxe 1.0-test");
        }

        File.WriteAllLines(Path.Combine(PxeDirectory, "manifest.sha256"), lines);
    }

    /// <summary>A live image directory as images/live/build.sh leaves it: vmlinuz, initrd.img and manifest.json.</summary>
    private void WriteLiveImage()
    {
        Directory.CreateDirectory(LiveDirectory);
        var files = new JsonObject();
        foreach (var name in new[] { "vmlinuz", "initrd.img" })
        {
            var bytes = RandomNumberGenerator.GetBytes(8192);
            File.WriteAllBytes(Path.Combine(LiveDirectory, name), bytes);
            files[name] = new JsonObject { ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)), ["size"] = bytes.Length };
        }

        File.WriteAllText(Path.Combine(LiveDirectory, "manifest.json"), new JsonObject { ["kernelVersion"] = "6.1.0-test", ["files"] = files }.ToJsonString());
    }

    internal static async Task RegisterNodeWithBmcAsync(ApplianceApiClient api, string hostname, string mac, string address, int port)
    {
        var zone = await api.PostAsync("api/v1/zones", new { name = "z-" + hostname });
        var bpod = await api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(),
            name = "r-" + hostname,
            networkType = "l2",
            provisioningSubnet = "10.11.0.0/24",
            dynamicRangeStart = "10.11.0.100",
            dynamicRangeEnd = "10.11.0.150",
        });
        await api.PostAsync("api/v1/nodes", new
        {
            hostname,
            bpodId = bpod["id"]!.GetValue<string>(),
            interfaces = new[] { new { mac, isPxe = true } },
            bmc = new
            {
                driver = "ipmi",
                address,
                port,
                username = "admin",
                secret = "rackpass",
                options = new Dictionary<string, string> { ["cipher_suite"] = "3" },
            },
        });
    }

    private static async Task<JsonArray> DiagnosticsAsync(ApplianceApiClient api) => (await api.GetAsync("api/v1/diagnostics"))["checks"]!.AsArray();

    private static JsonNode Check(JsonArray report, string name) =>
        report.FirstOrDefault(c => c!["name"]!.GetValue<string>() == name) ?? throw new Xunit.Sdk.XunitException($"no check {name} in {report.ToJsonString()}");

    private static string Status(JsonArray report, string name) => Check(report, name)["status"]!.GetValue<string>();

    private static string Summary(JsonArray report, string name) => Check(report, name)["summary"]!.GetValue<string>();

    private static string Fix(JsonArray report, string name) => Check(report, name)["fix"]?.GetValue<string>() ?? "";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
