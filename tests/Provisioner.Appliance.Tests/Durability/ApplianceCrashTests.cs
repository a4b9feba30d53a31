using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Agent.Protocol;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Appliance.Tests.Durability;

/// <summary>
/// kill -9 of the real appliance (SQLite) in the middle of a commission job whose node has a real BMC (ipmi_sim), then a
/// restart on the same data directory: the job goes on at the step it was in. The steps that had finished are not run
/// again (the BMC's own event log shows one power-on), the job log lost nothing, and the job can finish or be cancelled.
/// </summary>
[Trait("Area", "Jobs")]
[Trait("Peer", "ipmi_sim")]
public sealed partial class ApplianceCrashTests : IDisposable
{
    private const string Mac = "52:54:00:c4:a5:01";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("provisioner-crash-").FullName;

    // A long lease: the restarted appliance must take its job back at once, not after the lease ran out.
    private static Dictionary<string, string> Settings() => new()
    {
        ["ApplianceName"] = "crash-test",
        ["Power:MonitorIntervalSeconds"] = "0",
        ["Jobs:LeaseSeconds"] = "60",
    };

    [Theory]
    [InlineData("finish")]
    [InlineData("cancel")]
    public async Task KillMidCommission_RestartOnSameData_ResumesAtTheInterruptedStepWithoutRedoingTheOthers(string ending)
    {
        await using var bmc = await IpmiSimulator.StartAsync();
        string jobId;
        JsonNode beforeKill;
        string[] logBeforeKill;
        await using (var first = await ApplianceProcess.StartAsync(Settings(), dataDirectory: _dataDirectory))
        {
            using var api = new ApplianceApiClient(new HttpClient(), first.BaseUrl);
            await api.SetupAdminAsync();
            var nodeId = await RegisterNodeAsync(api, bmc);
            var result = await api.PostAsync($"api/v1/nodes/{nodeId}/actions/commission", new { });
            jobId = result["job"]!["id"]!.GetValue<string>();

            // set-boot-pxe and power-cycle are done, wait-agent waits for a machine that never boots: kill now.
            beforeKill = await WaitForJobAsync(api, jobId, j => StepState(j, 2) == "running", "wait-agent running");
            logBeforeKill = await LogTextsAsync(api, jobId);
            PeerProcess.Signal(first.Process.Pid, 9);
            Assert.True(await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the appliance survived SIGKILL");
        }

        Assert.Equal(1, Count(bmc.EventsLog, "power 1"));
        Assert.Equal(1, Count(bmc.EventsLog, "boot pxe"));

        var restartedAt = DateTimeOffset.UtcNow;
        await using var second = await ApplianceProcess.StartAsync(Settings(), dataDirectory: _dataDirectory);
        using var api2 = new ApplianceApiClient(new HttpClient(), second.BaseUrl);
        await api2.LoginAsync();

        // Taken back at once by the same name (well inside the 60 s lease), at the step it was in.
        var resumed = await WaitForJobAsync(api2, jobId, j => j["state"]!.GetValue<string>() == "running" && StepState(j, 2) == "running"
            && Steps(j)[2]!["startedAt"]!.GetValue<DateTimeOffset>() > Steps(beforeKill)[2]!["startedAt"]!.GetValue<DateTimeOffset>(), "wait-agent re-run");
        Assert.True(DateTimeOffset.UtcNow - restartedAt < TimeSpan.FromSeconds(45), "the job waited for its lease to expire instead of being taken back");
        for (var i = 0; i < 2; i++)
        {
            // Finished steps untouched: same attempt and the same times as before the kill.
            Assert.Equal("succeeded", StepState(resumed, i));
            Assert.Equal(Steps(beforeKill)[i]!.ToJsonString(), Steps(resumed)[i]!.ToJsonString());
        }

        Assert.Equal(1, Steps(resumed)[2]!["attempt"]!.GetValue<int>());
        Assert.Equal("crash-test", Steps(resumed)[2]!["ranBy"]!.GetValue<string>());
        var logAfter = await LogTextsAsync(api2, jobId);
        Assert.Equal(logBeforeKill, logAfter.Take(logBeforeKill.Length));
        Assert.Contains(logAfter, l => l.Contains("next boot from Pxe set on BMC", StringComparison.Ordinal));
        Assert.Contains(logAfter, l => l.Contains("step 'wait-agent' was interrupted during attempt 1", StringComparison.Ordinal));

        if (ending == "finish")
        {
            // Play the live agent the machine would boot: its iPXE script carries the boot token.
            await PlayAgentAsync(second.BaseUrl);
            var done = await WaitForJobAsync(api2, jobId, j => j["state"]!.GetValue<string>() != "running", "the job to end");
            Assert.True(done["state"]!.GetValue<string>() == "succeeded", ApplianceApiClient.Show(done));
            Assert.All(Steps(done), s => Assert.Equal("succeeded", s!["state"]!.GetValue<string>()));
            Assert.Equal("ready", (await api2.GetAsync($"api/v1/nodes/{done["nodeId"]!.GetValue<string>()}"))["state"]!.GetValue<string>());
        }
        else
        {
            await api2.PostAsync($"api/v1/jobs/{jobId}/cancel", new { });
            var done = await WaitForJobAsync(api2, jobId, j => j["state"]!.GetValue<string>() != "running", "the job to end");
            Assert.True(done["state"]!.GetValue<string>() == "cancelled", ApplianceApiClient.Show(done));
            Assert.Equal("cancelled", StepState(done, 2));
            Assert.Equal("pending", StepState(done, 3));
            Assert.Equal("failed-commissioning", (await api2.GetAsync($"api/v1/nodes/{done["nodeId"]!.GetValue<string>()}"))["state"]!.GetValue<string>());
        }

        // Nothing before the crash was done twice.
        Assert.Equal(1, Count(bmc.EventsLog, "power 1"));
        Assert.Equal(1, Count(bmc.EventsLog, "boot pxe"));
    }

    private static async Task<string> RegisterNodeAsync(ApplianceApiClient api, IpmiSimulator bmc)
    {
        var bpod = await api.CreateBpodAsync("zc", "rc", "10.9.0");
        var node = await api.CreateIpmiNodeAsync(bpod, "crash-01", Mac, bmc.EndPoint, "admin", "rackpass");
        return node["id"]!.GetValue<string>();
    }

    /// <summary>What the live agent does after the machine PXE-booted: hello with its MAC, then its hardware facts.</summary>
    private static async Task PlayAgentAsync(string baseUrl)
    {
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl + "/") };
        var script = await http.GetStringAsync(new Uri($"boot/{Mac}.ipxe", UriKind.Relative));
        var token = TokenArgument().Match(script) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no boot token in\n" + script);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var hello = await http.PostAsJsonAsync(AgentApi.Hello.TrimStart('/'), new HelloRequest(Mac, "test", FirmwareMode.Bios, Guid.NewGuid().ToString()),
            AgentJsonContext.Default.HelloRequest);
        Assert.True(hello.IsSuccessStatusCode, await hello.Content.ReadAsStringAsync());
        var facts = new HardwareFacts
        {
            Cpu = new CpuFacts("Test CPU", 1, 2, 4),
            MemoryBytes = 4L << 30,
            Disks = [new DiskFacts("/dev/vda", 8L << 30, "disk", "s1", false, null, false)],
            Nics = [new NicFacts("eth0", Mac, "virtio_net", true, 1000)],
            Dmi = new DmiFacts("Test", "Crash", "0001", Guid.NewGuid().ToString()),
            Firmware = FirmwareMode.Bios,
            BootMac = Mac,
        };
        using var put = await http.PutAsJsonAsync(AgentApi.Facts.TrimStart('/'), facts, AgentJsonContext.Default.HardwareFacts);
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private static async Task<JsonNode> WaitForJobAsync(ApplianceApiClient api, string jobId, Func<JsonNode, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var job = await api.GetAsync($"api/v1/jobs/{jobId}");
            if (condition(job))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"waited 90 s for {what}:\n{ApplianceApiClient.Show(job)}");
            await Task.Delay(100);
        }
    }

    private static async Task<string[]> LogTextsAsync(ApplianceApiClient api, string jobId)
    {
        var log = await api.GetAsync($"api/v1/jobs/{jobId}/log");
        return log.AsArray().Select(l => l!["text"]!.GetValue<string>()).ToArray();
    }

    private static JsonArray Steps(JsonNode job) => job["steps"]!.AsArray();

    private static string StepState(JsonNode job, int index) => Steps(job)[index]!["state"]!.GetValue<string>();

    private static int Count(string text, string line) => text.Split('\n').Count(l => l.EndsWith(" " + line, StringComparison.Ordinal));

    [GeneratedRegex(@"provisioner\.token=(\S+)")]
    private static partial Regex TokenArgument();

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
