using System.Net;
using System.Text.Json;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Appliance.Tests.Hosting;

/// <summary>The real appliance process: start-up, health, configuration errors, SIGTERM.</summary>
[Trait("Area", "Appliance")]
public sealed class ApplianceStartupTests
{
    [Fact]
    public async Task Start_DefaultSettings_HealthzAndReadyzAnswer200()
    {
        await using var appliance = await ApplianceProcess.StartAsync();
        using var http = new HttpClient();

        using var health = await http.GetAsync(new Uri(appliance.BaseUrl + "/healthz"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var ready = await http.GetAsync(new Uri(appliance.BaseUrl + "/readyz"));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("ready").GetBoolean());
    }

    [Theory]
    [InlineData("Dhcp:Mode=Authoritative|Dhcp:Interfaces:0=eth9", "Dhcp:Interfaces: no interface named eth9")]
    [InlineData("Dhcp:Mode=Sometimes", "Dhcp:Mode: 'Sometimes' is not one of Off, Authoritative, Proxy")]
    [InlineData("Storage:Provider=Postgres", "Storage:ConnectionString: is required when Storage:Provider is Postgres")]
    [InlineData("Http:Urls=ftp://127.0.0.1:21", "Http:Urls: 'ftp://127.0.0.1:21' is not an http:// or https:// URL")]
    [InlineData("Tftp:Port=seventy", "Tftp:Port: 'seventy' is not a valid int32")]
    [InlineData("Api:ImportChunkBytes=5000", "Api:ImportChunkBytes: 5000 must be a multiple of 4096")]
    [InlineData("Api:MaxImageUploadBytes=0", "Api:MaxImageUploadBytes: 0 must be a positive number of bytes")]
    [InlineData("Jobs:MaxStepInterruptions=0", "Jobs:MaxStepInterruptions: 0 is out of range (1-100)")]
    public async Task Start_BadSetting_OneLineNamingTheSettingAndExitCode2(string settings, string expected)
    {
        var s = settings.Split('|').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        s["DataDirectory"] = Path.GetTempPath();
        await using var p = ApplianceProcess.StartRaw(s);
        Assert.True(await p.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the appliance kept running with a bad setting");

        Assert.Equal(2, p.ExitCode);
        var lines = p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("provisioner-appliance: configuration error: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingConfigFile_ExitCode2()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.json");
        await using var p = ApplianceProcess.StartRaw(new Dictionary<string, string>(), configFile: missing);
        Assert.True(await p.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--config: file not found", p.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ConfigFileThenEnvironmentThenCommandLine_LaterSourceWins()
    {
        var dir = Directory.CreateTempSubdirectory("provisioner-cfg-").FullName;
        try
        {
            var file = Path.Combine(dir, "appliance.json");
            // The file asks for a bad DHCP mode; the command line overrides it with a valid one.
            await File.WriteAllTextAsync(file, """{ "Dhcp": { "Mode": "Bogus" }, "DataDirectory": "/nonexistent-but-overridden" }""");
            var port = FreePort.Tcp();
            await using var p = ApplianceProcess.StartRaw(
                new Dictionary<string, string> { ["Dhcp:Mode"] = "Off", ["Tftp:Enabled"] = "false", ["DataDirectory"] = dir, ["Http:Urls"] = $"http://127.0.0.1:{port}" },
                configFile: file);
            using var http = new HttpClient();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            HttpStatusCode? status = null;
            while (DateTime.UtcNow < deadline && status is null && !p.HasExited)
            {
                try
                {
                    using var r = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz"));
                    status = r.StatusCode;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(200);
                }
            }

            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_RunningAppliance_ExitsZeroWithinTenSeconds()
    {
        await using var appliance = await ApplianceProcess.StartAsync();
        var started = DateTime.UtcNow;
        PeerProcess.Signal(appliance.Process.Pid, 15);

        Assert.True(await appliance.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the appliance did not stop within 10 s of SIGTERM");
        Assert.Equal(0, appliance.Process.ExitCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }
}
