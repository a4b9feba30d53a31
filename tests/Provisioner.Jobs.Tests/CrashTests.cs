using Provisioner.Jobs.Engine;
using Provisioner.Jobs.TestWorker;
using Provisioner.Jobs.Workflows;
using Provisioner.Storage;
using Provisioner.TestKit;

namespace Provisioner.Jobs.Tests;

/// <summary>
/// kill -9 of a real engine process in the middle of a job, then another engine process on the same SQLite file:
/// the job finishes, every step completes exactly once, and no step ever runs in two processes at once.
/// </summary>
[Trait("Area", "Jobs")]
public sealed class CrashTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("provisioner-crash-").FullName;

    private string Trace => Path.Combine(_dir, "trace.log");

    private string ConnectionString => $"Data Source={Path.Combine(_dir, "provisioner.db")}";

    [Theory]
    [InlineData("appliance-1", "restart of the same appliance resumes at once")]
    [InlineData("appliance-2", "another appliance takes over after the lease expires")]
    public async Task KillMidJob_SecondEngineFinishesIt_NoStepRunsTwiceConcurrently(string secondOwner, string scenario)
    {
        Assert.NotEmpty(scenario);
        await using var store = ProvisionerStore.Open(new StorageSettings { ConnectionString = ConnectionString }, new PlainProtector());
        await store.MigrateAsync();
        var registry = new WorkflowRegistry([new TraceWorkflow(Trace, "submitter")]);
        var service = new JobService(store.Jobs, registry, new JobEventHub());
        var job = await service.SubmitAsync(new JobSubmission
        {
            // Steps long enough that the kill lands inside step 2 even on a loaded machine.
            Kind = "trace", RequestedBy = "test", NodeId = Guid.NewGuid(), ParametersJson = "{\"steps\":6,\"stepMilliseconds\":2000}",
        }, CancellationToken.None);

        await using var first = await WorkerProcess.StartAsync("sqlite", ConnectionString, "appliance-1", Trace, leaseMs: 5000, heartbeatMs: 500, maxJobs: 4);
        await WaitForTraceAsync(lines => lines.Any(l => l is { What: "start", Step: 2 }));
        await WorkerProcess.KillAsync(first);
        var killedAt = DateTimeOffset.UtcNow.UtcTicks;

        var crashed = await store.Jobs.GetAsync(job.Id, CancellationToken.None);
        Assert.Equal(JobState.Running, crashed!.State);
        Assert.Equal(StepState.Running, crashed.Steps[2].State);

        await using var second = await WorkerProcess.StartAsync("sqlite", ConnectionString, secondOwner, Trace, leaseMs: 5000, heartbeatMs: 500, maxJobs: 4);
        var done = await WaitForJobAsync(store, job.Id);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.All(done.Steps, s => Assert.Equal(StepState.Succeeded, s.State));

        var trace = TraceLine.Read(Trace);
        TraceAssert.EachStepOnceAndNeverConcurrent(trace, new Dictionary<int, long> { [first.Pid] = killedAt }, [job.Id], 6);
        // Step 2 was cut off in the first process and completed, after the kill, in the second.
        Assert.Contains(trace, l => l is { What: "start", Step: 2 } && l.Pid == first.Pid);
        Assert.Contains(trace, l => l is { What: "end", Step: 2 } && l.Pid == second.Pid);
        Assert.All(trace.Where(l => l.Pid == second.Pid), l => Assert.True(l.Ticks > killedAt));
    }

    [Fact]
    public async Task KillRightAfterAStepLogged_TheLogLineSurvives()
    {
        await using var store = ProvisionerStore.Open(new StorageSettings { ConnectionString = ConnectionString }, new PlainProtector());
        await store.MigrateAsync();
        var service = new JobService(store.Jobs, new WorkflowRegistry([new TraceWorkflow(Trace, "submitter")]), new JobEventHub());
        var job = await service.SubmitAsync(new JobSubmission
        {
            Kind = "trace", RequestedBy = "test", NodeId = Guid.NewGuid(), ParametersJson = "{\"steps\":2,\"stepMilliseconds\":60000,\"log\":true}",
        }, CancellationToken.None);

        await using var worker = await WorkerProcess.StartAsync("sqlite", ConnectionString, "appliance-1", Trace, leaseMs: 5000, heartbeatMs: 500, maxJobs: 4);
        await WaitForTraceAsync(lines => lines.Any(l => l is { What: "logged", Step: 0 }));
        // Far less than the engine's one-second progress interval, which used to be all a log line could count on.
        await Task.Delay(300);
        await WorkerProcess.KillAsync(worker);

        var log = await store.Jobs.GetLogAsync(job.Id, 0, 100, CancellationToken.None);
        Assert.Contains(log, l => l.Text == $"trace-0 running in process {worker.Pid}");
    }

    [Fact]
    public async Task StepKillsItsProcessEveryTime_RestartsRunItOnlyMaxStepInterruptionsTimesMore_ThenTheJobFails()
    {
        const int MaxInterruptions = 2;
        await using var store = ProvisionerStore.Open(new StorageSettings { ConnectionString = ConnectionString }, new PlainProtector());
        await store.MigrateAsync();
        var service = new JobService(store.Jobs, new WorkflowRegistry([new TraceWorkflow(Trace, "submitter")]), new JobEventHub());
        var node = Guid.NewGuid();
        var job = await service.SubmitAsync(new JobSubmission
        {
            Kind = "trace", RequestedBy = "test", NodeId = node, ParametersJson = "{\"steps\":3,\"stepMilliseconds\":0,\"killAtStep\":1}",
        }, CancellationToken.None);

        // The appliance is restarted (as systemd would) each time it dies, until the job ends; bounded in case it never does.
        var killed = new List<int>();
        PeerProcess? last = null;
        JobRecord? done = null;
        while (done is null)
        {
            Assert.True(killed.Count <= MaxInterruptions + 2, $"still restarting after {killed.Count} deaths: the step keeps being run again");
            var worker = await WorkerProcess.StartAsync("sqlite", ConnectionString, "appliance-1", Trace, leaseMs: 5000, heartbeatMs: 500, maxJobs: 4,
                maxStepInterruptions: MaxInterruptions);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!worker.HasExited)
            {
                var j = await store.Jobs.GetAsync(job.Id, CancellationToken.None);
                if (j!.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
                {
                    done = j;
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"worker {worker.Pid} neither died nor ended the job: {j.State}, step {j.CurrentStep}\n{worker.Stderr}");
                await Task.Delay(50);
            }

            if (done is null)
            {
                Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(10)));
                Assert.Equal(137, worker.ExitCode);
                killed.Add(worker.Pid);
                await worker.DisposeAsync();
            }
            else
            {
                last = worker;
            }
        }

        await using var survivor = last!;
        // The first run and MaxInterruptions re-runs each took their process down; the next start failed the job instead.
        Assert.Equal(MaxInterruptions + 1, killed.Count);
        Assert.Equal(JobState.Failed, done.State);
        Assert.Equal((StepState.Succeeded, StepState.Failed, StepState.Pending), (done.Steps[0].State, done.Steps[1].State, done.Steps[2].State));
        Assert.Equal(MaxInterruptions + 1, done.Steps[1].Interruptions);
        Assert.Equal(1, done.Steps[1].Attempt);
        Assert.Contains($"Step 'trace-1' of trace job {job.Id} for node {node} was interrupted 3 times", done.Error, StringComparison.Ordinal);
        Assert.Contains("appliance appliance-1", done.Error, StringComparison.Ordinal);
        Assert.Contains("retry the job from this step", done.Error, StringComparison.Ordinal);

        // The engine that gave up does not loop: it stays up, idle, and the step never starts in it.
        await Task.Delay(1000);
        Assert.False(survivor.HasExited, survivor.Stderr);
        var trace = TraceLine.Read(Trace);
        Assert.Equal(killed, trace.Where(l => l is { What: "start", Step: 1 }).Select(l => l.Pid));
        Assert.Single(trace, l => l is { What: "end", Step: 0 });
        Assert.DoesNotContain(trace, l => l.Step == 2 || l.Pid == survivor.Pid);
        Assert.Equal(JobState.Failed, (await store.Jobs.GetAsync(job.Id, CancellationToken.None))!.State);
    }

    private async Task WaitForTraceAsync(Func<IReadOnlyList<TraceLine>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition(TraceLine.Read(Trace)))
        {
            Assert.True(DateTime.UtcNow < deadline, "the worker did not reach the expected step in time");
            await Task.Delay(10);
        }
    }

    internal static async Task<JobRecord> WaitForJobAsync(ProvisionerStore store, Guid id, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var j = await store.Jobs.GetAsync(id, CancellationToken.None);
            if (j!.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled)
            {
                return j;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} still {j.State} at step {j.CurrentStep}");
            await Task.Delay(50);
        }
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
