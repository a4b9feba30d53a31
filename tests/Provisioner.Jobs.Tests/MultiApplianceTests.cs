using Provisioner.Jobs.Engine;
using Provisioner.Jobs.TestWorker;
using Provisioner.Jobs.Workflows;
using Provisioner.Storage;
using Provisioner.TestKit;
using Provisioner.TestKit.Postgres;

namespace Provisioner.Jobs.Tests;

[CollectionDefinition("postgresql")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;

/// <summary>Several appliances (engine processes) sharing one real PostgreSQL: leases with SKIP LOCKED and heartbeats.</summary>
[Collection("postgresql")]
[Trait("Area", "Jobs")]
[Trait("Peer", "postgresql")]
public sealed class MultiApplianceTests(PostgresFixture postgres) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("provisioner-multi-").FullName;

    private string Trace => Path.Combine(_dir, "trace.log");

    [Fact]
    public async Task TwoEngineProcesses_200Jobs_EveryStepRunsExactlyOnce()
    {
        var cs = await postgres.CreateDatabaseAsync("jobs");
        await using var store = ProvisionerStore.Open(new StorageSettings { Provider = StorageProvider.Postgres, ConnectionString = cs }, new PlainProtector());
        await store.MigrateAsync();
        var service = new JobService(store.Jobs, new WorkflowRegistry([new TraceWorkflow(Trace, "submitter")]), new JobEventHub());
        var ids = new List<Guid>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add((await service.SubmitAsync(new JobSubmission
            {
                Kind = "trace", RequestedBy = "test", NodeId = Guid.NewGuid(), ParametersJson = "{\"steps\":2,\"stepMilliseconds\":100}",
            }, CancellationToken.None)).Id);
        }

        var starting = new[] { "appliance-a", "appliance-b" }
            .Select(owner => WorkerProcess.StartAsync("postgres", cs, owner, Trace, leaseMs: 5000, heartbeatMs: 1000, maxJobs: 8)).ToArray();
        await using var a = await starting[0];
        await using var b = await starting[1];
        foreach (var id in ids)
        {
            Assert.Equal(JobState.Succeeded, (await CrashTests.WaitForJobAsync(store, id, 90)).State);
        }

        var trace = TraceLine.Read(Trace);
        TraceAssert.EachStepOnceAndNeverConcurrent(trace, new Dictionary<int, long>(), ids, 2);
        var starts = trace.Where(l => l.What == "start").ToList();
        // Both appliances worked; with this many jobs a lopsided split would mean the second never claimed.
        Assert.True(starts.Count(l => l.Owner == "appliance-a") > 0 && starts.Count(l => l.Owner == "appliance-b") > 0,
            $"a ran {starts.Count(l => l.Owner == "appliance-a")}, b ran {starts.Count(l => l.Owner == "appliance-b")}");
    }

    [Fact]
    public async Task ApplianceKilled_ItsLeasesExpireAndTheOtherFinishesItsJobs()
    {
        var cs = await postgres.CreateDatabaseAsync("takeover");
        await using var store = ProvisionerStore.Open(new StorageSettings { Provider = StorageProvider.Postgres, ConnectionString = cs }, new PlainProtector());
        await store.MigrateAsync();
        var service = new JobService(store.Jobs, new WorkflowRegistry([new TraceWorkflow(Trace, "submitter")]), new JobEventHub());
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await service.SubmitAsync(new JobSubmission
            {
                Kind = "trace", RequestedBy = "test", NodeId = Guid.NewGuid(), ParametersJson = "{\"steps\":3,\"stepMilliseconds\":400}",
            }, CancellationToken.None)).Id);
        }

        await using var doomed = await WorkerProcess.StartAsync("postgres", cs, "appliance-doomed", Trace, leaseMs: 4000, heartbeatMs: 500, maxJobs: 10);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (TraceLine.Read(Trace).Count(l => l.What == "start") < 6)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first appliance did not start the jobs");
            await Task.Delay(10);
        }

        await WorkerProcess.KillAsync(doomed);
        var killedAt = DateTimeOffset.UtcNow.UtcTicks;
        await using var survivor = await WorkerProcess.StartAsync("postgres", cs, "appliance-survivor", Trace, leaseMs: 4000, heartbeatMs: 500, maxJobs: 10);
        foreach (var id in ids)
        {
            Assert.Equal(JobState.Succeeded, (await CrashTests.WaitForJobAsync(store, id, 60)).State);
        }

        var trace = TraceLine.Read(Trace);
        TraceAssert.EachStepOnceAndNeverConcurrent(trace, new Dictionary<int, long> { [doomed.Pid] = killedAt }, ids, 3);
        Assert.Contains(trace, l => l is { What: "start", Owner: "appliance-survivor" });
        Assert.All(trace.Where(l => l.Owner == "appliance-survivor"), l => Assert.True(l.Ticks > killedAt));
    }

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

    private sealed class PlainProtector : Provisioner.Core.Persistence.ISecretProtector
    {
        public string Protect(string plaintext) => plaintext;

        public string Unprotect(string protectedText) => protectedText;
    }
}
