using System.Text.Json.Nodes;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;
using Provisioner.TestKit.Postgres;

namespace Provisioner.Appliance.Tests.Durability;

[CollectionDefinition("postgresql")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;

/// <summary>
/// Two real appliance processes (different names and ports) on one real PostgreSQL: jobs are shared out with leases,
/// each runs once, an appliance killed mid-job has its running jobs taken over when their leases expire, and a second
/// live appliance with a name already in use is refused at start-up.
/// </summary>
[Collection("postgresql")]
[Trait("Area", "Jobs")]
[Trait("Peer", "postgresql")]
public sealed class SharedPostgresTests(PostgresFixture postgres) : IDisposable
{
    private const int LeaseSeconds = 6;

    // The key ring that encrypts the database's secrets: shared by the appliances, as an installation shares it.
    private readonly string _keys = Directory.CreateTempSubdirectory("provisioner-keys-").FullName;

    private Dictionary<string, string> Settings(string connectionString, string name) => new()
    {
        ["ApplianceName"] = name,
        ["KeyRingDirectory"] = _keys,
        ["Storage:Provider"] = "Postgres",
        ["Storage:ConnectionString"] = connectionString,
        ["Power:MonitorIntervalSeconds"] = "0",
        ["Jobs:LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task TwoAppliances_200Jobs_EachJobRunsOnceAndBothAppliancesTakeSome()
    {
        var cs = await postgres.CreateDatabaseAsync("shared");
        await using var alpha = await ApplianceProcess.StartAsync(Settings(cs, "alpha"));
        await using var beta = await ApplianceProcess.StartAsync(Settings(cs, "beta"));
        using var a = new ApplianceApiClient(new HttpClient(), alpha.BaseUrl);
        using var b = new ApplianceApiClient(new HttpClient(), beta.BaseUrl);
        await a.SetupAdminAsync();
        await b.LoginAsync();

        var ids = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            // Half submitted through each appliance: each wakes its own engine, the other finds the rest at its next poll.
            // Steps of 250 ms: one appliance alone (16 at a time) would need about 6 s for all of them, so the other takes
            // some even when it is slow to start on a loaded machine (with 20 ms, one appliance once took all 200).
            var job = await (i % 2 == 0 ? a : b).PostAsync("api/v1/jobs", new { kind = "noop", parameters = new { steps = 2, sleepMilliseconds = 250 } });
            ids.Add(job["id"]!.GetValue<string>());
        }

        var jobs = await WaitAllFinishedAsync(a, ids);

        Assert.All(jobs, j => Assert.True(j["state"]!.GetValue<string>() == "succeeded", ApplianceApiClient.Show(j)));
        var steps = jobs.SelectMany(j => j["steps"]!.AsArray()).ToList();
        Assert.Equal(400, steps.Count);
        // One attempt per step, never re-run: a step run twice (by both, or twice by one) would show a second attempt or a re-run line.
        Assert.All(steps, s => Assert.Equal(1, s!["attempt"]!.GetValue<int>()));
        foreach (var id in ids)
        {
            Assert.Empty((await a.GetAsync($"api/v1/jobs/{id}/log")).AsArray());
        }

        var byAlpha = steps.Count(s => s!["ranBy"]!.GetValue<string>() == "alpha");
        var byBeta = steps.Count(s => s!["ranBy"]!.GetValue<string>() == "beta");
        Assert.Equal(400, byAlpha + byBeta);
        Assert.True(byAlpha > 0 && byBeta > 0, $"alpha ran {byAlpha} steps, beta {byBeta}");
    }

    [Fact]
    public async Task OneAppliancePerBpod_RackBoundJobsRunOnlyOnTheApplianceServingTheirBpod()
    {
        var cs = await postgres.CreateDatabaseAsync("perbpod");
        string rackA, rackB;
        // The BPODs exist before the appliances that serve them are configured, as in a real roll-out.
        await using (var setup = await ApplianceProcess.StartAsync(Settings(cs, "setup")))
        {
            using var api = new ApplianceApiClient(new HttpClient(), setup.BaseUrl);
            await api.SetupAdminAsync();
            var zone = (await api.PostAsync("api/v1/zones", new { name = "z1" }))["id"]!.GetValue<string>();
            object Bpod(string name, string subnet) => new
            {
                zoneId = zone, name, networkType = "l2", provisioningSubnet = subnet + ".0/24",
                dynamicRangeStart = subnet + ".100", dynamicRangeEnd = subnet + ".199", namingPattern = "{zone}-{bpod}-{slot:00}",
            };
            rackA = (await api.PostAsync("api/v1/bpods", Bpod("ra", "10.81.0")))["id"]!.GetValue<string>();
            rackB = (await api.PostAsync("api/v1/bpods", Bpod("rb", "10.82.0")))["id"]!.GetValue<string>();
        }

        var alphaSettings = Settings(cs, "alpha");
        alphaSettings["Jobs:ServedBpods:0"] = rackA;
        var betaSettings = Settings(cs, "beta");
        betaSettings["Jobs:ServedBpods:0"] = rackB;
        await using var alpha = await ApplianceProcess.StartAsync(alphaSettings);
        await using var beta = await ApplianceProcess.StartAsync(betaSettings);
        using var a = new ApplianceApiClient(new HttpClient(), alpha.BaseUrl);
        await a.LoginAsync();

        var bpodOf = new Dictionary<string, string>();
        for (var i = 0; i < 40; i++)
        {
            var bpod = i % 2 == 0 ? rackA : rackB;
            var job = await a.PostAsync("api/v1/jobs", new { kind = "noop", bpodId = bpod, parameters = new { steps = 1, sleepMilliseconds = 10 } });
            bpodOf[job["id"]!.GetValue<string>()] = bpod;
        }

        var jobs = await WaitAllFinishedAsync(a, bpodOf.Keys);

        Assert.All(jobs, j =>
        {
            var expected = bpodOf[j["id"]!.GetValue<string>()] == rackA ? "alpha" : "beta";
            Assert.Equal("succeeded", j["state"]!.GetValue<string>());
            Assert.All(j["steps"]!.AsArray(), s => Assert.Equal(expected, s!["ranBy"]!.GetValue<string>()));
        });
    }

    [Fact]
    public async Task OneApplianceKilled_TheOtherTakesOverItsRunningJobsOnlyAfterTheirLeasesExpire()
    {
        var cs = await postgres.CreateDatabaseAsync("takeover");
        await using var alpha = await ApplianceProcess.StartAsync(Settings(cs, "alpha"));
        await using var beta = await ApplianceProcess.StartAsync(Settings(cs, "beta"));
        using var a = new ApplianceApiClient(new HttpClient(), alpha.BaseUrl);
        using var b = new ApplianceApiClient(new HttpClient(), beta.BaseUrl);
        await a.SetupAdminAsync();
        await b.LoginAsync();
        List<string> ids = [];
        for (var i = 0; i < 40; i++)
        {
            var job = await (i % 2 == 0 ? a : b).PostAsync("api/v1/jobs", new { kind = "noop", parameters = new { steps = 3, sleepMilliseconds = 1500 } });
            ids.Add(job["id"]!.GetValue<string>());
        }

        // Both busy (16 jobs each at most), then alpha dies in the middle of its steps.
        await WaitUntilAsync(async () => (await ListAsync(b)).Count(j => RunningStepBy(j, "alpha") is not null) >= 4, "alpha to run jobs");
        PeerProcess.Signal(alpha.Process.Pid, 9);
        var killedAt = DateTimeOffset.UtcNow;
        Assert.True(await alpha.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)), "alpha survived SIGKILL");

        // What alpha left: jobs with a step it was running. Nobody else may touch them until their leases run out.
        var interrupted = (await ListAsync(b)).Where(j => RunningStepBy(j, "alpha") is not null).Select(j => j["id"]!.GetValue<string>()).ToArray();
        Assert.NotEmpty(interrupted);

        var jobs = await WaitAllFinishedAsync(b, ids);
        Assert.All(jobs, j => Assert.True(j["state"]!.GetValue<string>() == "succeeded", ApplianceApiClient.Show(j)));
        Assert.All(jobs.SelectMany(j => j["steps"]!.AsArray()), s => Assert.Equal(1, s!["attempt"]!.GetValue<int>()));
        foreach (var id in ids)
        {
            var log = (await b.GetAsync($"api/v1/jobs/{id}/log")).AsArray().Select(l => l!["text"]!.GetValue<string>()).ToArray();
            if (!interrupted.Contains(id))
            {
                Assert.Empty(log);
                continue;
            }

            // The interrupted step was re-run once, by beta, and only after alpha's lease ran out: the lease was renewed at
            // most a heartbeat (a third of it) before the kill.
            var line = Assert.Single(log);
            Assert.Contains("appliance alpha stopped mid-step; appliance beta runs it again", line, StringComparison.Ordinal);
            var job = jobs.Single(j => j["id"]!.GetValue<string>() == id);
            var rerun = job["steps"]!.AsArray().Single(s => line.Contains($"step '{s!["name"]!.GetValue<string>()}'", StringComparison.Ordinal))!;
            Assert.Equal("beta", rerun["ranBy"]!.GetValue<string>());
            var after = rerun["startedAt"]!.GetValue<DateTimeOffset>() - killedAt;
            Assert.True(after >= TimeSpan.FromSeconds(LeaseSeconds * 2.0 / 3 - 0.5), $"beta took over {after.TotalSeconds:0.0} s after the kill, before alpha's lease ran out");
            Assert.True(after < TimeSpan.FromSeconds(LeaseSeconds + 10), $"beta took over only {after.TotalSeconds:0.0} s after the kill");
        }
    }

    [Fact]
    public async Task SecondLiveApplianceWithTheSameName_IsRefusedAtStartUp_TheNameIsFreeAfterACleanStop()
    {
        var cs = await postgres.CreateDatabaseAsync("names");
        var first = await ApplianceProcess.StartAsync(Settings(cs, "alpha"));
        await using (first)
        {
            var dir = Directory.CreateTempSubdirectory("provisioner-dup-").FullName;
            try
            {
                var settings = Settings(cs, "alpha");
                settings["DataDirectory"] = dir;
                settings["Http:Urls"] = $"http://127.0.0.1:{FreePort.Tcp()}";
                settings["Tftp:Enabled"] = "false";
                await using var duplicate = ApplianceProcess.StartRaw(settings);
                Assert.True(await duplicate.WaitForExitAsync(TimeSpan.FromSeconds(60)), "a second 'alpha' kept running");
                Assert.Equal(2, duplicate.ExitCode);
                var line = Assert.Single(duplicate.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("provisioner-appliance: configuration error: ApplianceName: 'alpha' is already used by a live appliance", line, StringComparison.Ordinal);
                Assert.Contains($"pid {first.Process.Pid} on host {Environment.MachineName} ({first.BaseUrl})", line, StringComparison.Ordinal);
                Assert.Contains("Give each appliance sharing a database its own ApplianceName", line, StringComparison.Ordinal);
                Assert.False(first.Process.HasExited);
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }

            // A clean stop frees the name at once.
            PeerProcess.Signal(first.Process.Pid, 15);
            Assert.True(await first.Process.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        }

        await using var again = await ApplianceProcess.StartAsync(Settings(cs, "alpha"));
        Assert.False(again.Process.HasExited);
    }

    [Fact]
    public async Task SecondApplianceWithoutTheSharedKeyRing_IsRefusedAtStartUpNamingKeyRingDirectory()
    {
        var cs = await postgres.CreateDatabaseAsync("keys");
        await using var first = await ApplianceProcess.StartAsync(Settings(cs, "alpha"));
        var settings = Settings(cs, "beta");
        settings.Remove("KeyRingDirectory");
        var dir = Directory.CreateTempSubdirectory("provisioner-nokeys-").FullName;
        try
        {
            settings["DataDirectory"] = dir;
            settings["Http:Urls"] = $"http://127.0.0.1:{FreePort.Tcp()}";
            settings["Tftp:Enabled"] = "false";
            await using var beta = ApplianceProcess.StartRaw(settings);
            Assert.True(await beta.WaitForExitAsync(TimeSpan.FromSeconds(60)), "an appliance that cannot read the database's secrets kept running");
            Assert.Equal(2, beta.ExitCode);
            var line = Assert.Single(beta.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("provisioner-appliance: configuration error: KeyRingDirectory: the secrets in this database were encrypted with a key ring", line,
                StringComparison.Ordinal);
            Assert.Contains(Path.Combine(dir, "keys"), line, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_keys, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static JsonNode? RunningStepBy(JsonNode job, string appliance) =>
        job["steps"]!.AsArray().FirstOrDefault(s => s!["state"]!.GetValue<string>() == "running" && s["ranBy"]?.GetValue<string>() == appliance);

    private static async Task<List<JsonNode>> ListAsync(ApplianceApiClient api) =>
        (await api.GetAsync("api/v1/jobs?kind=noop&limit=1000"))["items"]!.AsArray().Select(j => j!).ToList();

    private static async Task<List<JsonNode>> WaitAllFinishedAsync(ApplianceApiClient api, IReadOnlyCollection<string> ids)
    {
        List<JsonNode> jobs = [];
        await WaitUntilAsync(async () =>
        {
            jobs = (await ListAsync(api)).Where(j => ids.Contains(j["id"]!.GetValue<string>())).ToList();
            return jobs.Count == ids.Count && jobs.All(j => j["state"]!.GetValue<string>() is not ("pending" or "running"));
        }, "every job to finish", seconds: 180);
        return jobs;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited {seconds} s for {what}");
            await Task.Delay(100);
        }
    }
}
