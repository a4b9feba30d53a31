using Provisioner.Jobs.Engine;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.Tests;

[Trait("Area", "Jobs")]
public sealed class JobEngineTests
{
    [Fact]
    public async Task Run_NoOpJob_RunsEveryStepInOrderAndSucceeds()
    {
        await using var h = (await EngineHarness.CreateSqliteAsync([new NoOpWorkflow()])).Start();
        var job = await h.SubmitAsync("noop", "{\"steps\":4}");
        Assert.Equal(4, job.Steps.Count);
        var done = await h.WaitFinishedAsync(job.Id);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.All(done.Steps, s =>
        {
            Assert.Equal(StepState.Succeeded, s.State);
            Assert.Equal(1, s.Attempt);
            Assert.NotNull(s.StartedAt);
            Assert.True(s.FinishedAt >= s.StartedAt);
        });
        Assert.Equal(4, done.CurrentStep);
        Assert.Null(done.LeaseOwner);
        Assert.True(done.Steps.Zip(done.Steps.Skip(1)).All(p => p.First.FinishedAt <= p.Second.StartedAt));
    }

    [Fact]
    public async Task Run_FakeWorkflow_ProgressReaches100AndIsStreamedLive()
    {
        await using var h = (await EngineHarness.CreateSqliteAsync([new FakeWorkflow()])).Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var events = new List<JobEvent>();
        var reader = Task.Run(async () =>
        {
            await foreach (var e in h.Service.SubscribeAsync(cts.Token))
            {
                events.Add(e);
                if (e.Type == JobEventTypes.Job && e.JobState == JobState.Succeeded)
                {
                    return;
                }
            }
        }, cts.Token);
        while (h.Events.SubscriberCount == 0)
        {
            await Task.Delay(5);
        }

        var job = await h.SubmitAsync("fake", "{\"stepMilliseconds\":100,\"ticks\":4}");
        var done = await h.WaitFinishedAsync(job.Id);
        await reader;
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.All(done.Steps, s => Assert.Equal(100, s.Percent));
        var stream = done.Steps.Single(s => s.Name == "stream-image");
        Assert.Equal(4L << 30, stream.BytesDone);
        Assert.NotNull(stream.Checkpoint);
        Assert.Contains(events, e => e.Type == JobEventTypes.Step && e.Step is { Name: "stream-image", Percent: > 0 and < 100 });
        Assert.Contains(events, e => e.Type == JobEventTypes.Log && e.Log!.Text.Contains("stream-image", StringComparison.Ordinal));
        var log = await h.Service.GetLogAsync(job.Id, 0, 100, CancellationToken.None);
        Assert.Equal(FakeWorkflow.StepNames.Count, log.Count);
    }

    [Fact]
    public async Task Run_StepFailsTwiceThenSucceeds_RetriesWithinMaxAttempts()
    {
        var calls = 0;
        var wf = new TestWorkflow("flaky", JobStepDefinition.Create("power-on", (ctx, ct) =>
        {
            Assert.Equal(Interlocked.Increment(ref calls), ctx.Attempt);
            return calls < 3 ? throw new InvalidOperationException($"BMC busy {calls}") : Task.CompletedTask;
        }, maxAttempts: 3, backoff: new RetryBackoff(TimeSpan.FromMilliseconds(10))));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf])).Start();
        var done = await h.WaitFinishedAsync((await h.SubmitAsync("flaky")).Id);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(3, done.Steps[0].Attempt);
        Assert.Equal(3, calls);
        var log = await h.Service.GetLogAsync(done.Id, 0, 100, CancellationToken.None);
        Assert.Equal(2, log.Count(l => l.Level == "error" && l.Text.Contains("BMC busy", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Run_StepFailsEveryAttempt_JobFailsNamingStepAndNodeAndSkipsTheRest()
    {
        var laterRan = false;
        var wf = new TestWorkflow("doomed",
            JobStepDefinition.Create("set-boot-pxe", (_, _) => throw new StepFailedException("wrong BMC password", retryable: false), maxAttempts: 5),
            JobStepDefinition.Create("power-on", (_, _) =>
            {
                laterRan = true;
                return Task.CompletedTask;
            }));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf])).Start();
        var node = Guid.NewGuid();
        var done = await h.WaitFinishedAsync((await h.SubmitAsync("doomed", nodeId: node)).Id);
        Assert.Equal(JobState.Failed, done.State);
        Assert.Contains("set-boot-pxe", done.Error, StringComparison.Ordinal);
        Assert.Contains(node.ToString(), done.Error, StringComparison.Ordinal);
        Assert.Contains("wrong BMC password", done.Error, StringComparison.Ordinal);
        Assert.Equal(1, done.Steps[0].Attempt);
        Assert.Equal(StepState.Failed, done.Steps[0].State);
        Assert.Equal(StepState.Pending, done.Steps[1].State);
        Assert.False(laterRan);
        var outcome = Assert.Single(wf.Outcomes);
        Assert.Equal(("set-boot-pxe", JobState.Failed), (outcome.FailedStep, outcome.State));
    }

    [Fact]
    public async Task Run_StepExceedsTimeout_FailsWithTimeoutError()
    {
        var wf = new TestWorkflow("slow", JobStepDefinition.Create("wait-dhcp", (ctx, ct) => Task.Delay(Timeout.Infinite, ct),
            timeout: TimeSpan.FromMilliseconds(200)));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf])).Start();
        var done = await h.WaitFinishedAsync((await h.SubmitAsync("slow")).Id);
        Assert.Equal(JobState.Failed, done.State);
        Assert.Contains("timed out after 0.2 s", done.Steps[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_RunningJob_StopsTheStepAndEndsCancelled()
    {
        var started = new TaskCompletionSource();
        var sawCancel = false;
        var wf = new TestWorkflow("long", JobStepDefinition.Create("stream-image", async (ctx, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                sawCancel = true;
                throw;
            }
        }));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf])).Start();
        var job = await h.SubmitAsync("long");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await h.Service.CancelAsync(job.Id, "alice", CancellationToken.None);
        var done = await h.WaitFinishedAsync(job.Id);
        Assert.Equal(JobState.Cancelled, done.State);
        Assert.Equal(StepState.Cancelled, done.Steps[0].State);
        Assert.True(sawCancel);
    }

    [Fact]
    public async Task Cancel_PendingJob_NeverRuns()
    {
        var ran = false;
        var wf = new TestWorkflow("x", JobStepDefinition.Create("a", (_, _) =>
        {
            ran = true;
            return Task.CompletedTask;
        }));
        await using var h = await EngineHarness.CreateSqliteAsync([wf]);
        var job = await h.SubmitAsync("x");
        await h.Service.CancelAsync(job.Id, "alice", CancellationToken.None);
        h.Start();
        await Task.Delay(200);
        Assert.Equal(JobState.Cancelled, (await h.Service.GetAsync(job.Id, CancellationToken.None))!.State);
        Assert.False(ran);
    }

    [Fact]
    public async Task Retry_FailedJob_RunsFromTheFailedStepOnly()
    {
        var firstRuns = 0;
        var fail = true;
        var wf = new TestWorkflow("deployish",
            JobStepDefinition.Create("set-boot-pxe", (_, _) =>
            {
                Interlocked.Increment(ref firstRuns);
                return Task.CompletedTask;
            }),
            JobStepDefinition.Create("stream-image", (_, _) => fail ? throw new StepFailedException("disk full", false) : Task.CompletedTask));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf])).Start();
        var node = Guid.NewGuid();
        var job = await h.SubmitAsync("deployish", nodeId: node);
        Assert.Equal(JobState.Failed, (await h.WaitFinishedAsync(job.Id)).State);
        fail = false;
        var retried = await h.Service.RetryAsync(job.Id, "alice", CancellationToken.None);
        Assert.Equal(1, retried.CurrentStep);
        var done = await h.WaitFinishedAsync(job.Id);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal(1, firstRuns);
    }

    [Fact]
    public async Task Submit_SecondJobForBusyNodeOrUnknownKind_IsRejected()
    {
        await using var h = await EngineHarness.CreateSqliteAsync([new NoOpWorkflow()]);
        var node = Guid.NewGuid();
        await h.SubmitAsync("noop", nodeId: node);
        var busy = await Assert.ThrowsAsync<JobRejectedException>(() => h.SubmitAsync("noop", nodeId: node));
        Assert.Contains("already has an active job", busy.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<JobRejectedException>(() => h.SubmitAsync("deploy"));
        Assert.Contains("noop", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JobsOnOneBmc_NeverOverlapWhileOthersRunInParallel()
    {
        var perBmc = new Dictionary<string, int>();
        var maxPerBmc = 0;
        var maxOverall = 0;
        var overall = 0;
        var gate = new Lock();
        var wf = new TestWorkflow("power", JobStepDefinition.Create("power-cycle", async (ctx, ct) =>
        {
            var bmc = ctx.Job.BmcKey!;
            lock (gate)
            {
                perBmc[bmc] = perBmc.GetValueOrDefault(bmc) + 1;
                maxPerBmc = Math.Max(maxPerBmc, perBmc[bmc]);
                maxOverall = Math.Max(maxOverall, ++overall);
            }

            await Task.Delay(40, ct);
            lock (gate)
            {
                perBmc[bmc]--;
                overall--;
            }
        }));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions() with { MaxJobsPerBmc = 1, MaxConcurrentJobs = 8 })).Start();
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 12; i++)
        {
            jobs.Add(await h.SubmitAsync("power", bmc: $"ipmi:10.0.0.{i % 3}:623"));
        }

        foreach (var j in jobs)
        {
            Assert.Equal(JobState.Succeeded, (await h.WaitFinishedAsync(j.Id)).State);
        }

        Assert.Equal(1, maxPerBmc);
        Assert.True(maxOverall > 1, "jobs of different BMCs should run in parallel");
    }

    [Fact]
    public async Task Run_HigherPriority_StartsFirst()
    {
        var order = new List<int>();
        var wf = new TestWorkflow("p", JobStepDefinition.Create("s", (ctx, _) =>
        {
            lock (order)
            {
                order.Add(ctx.Job.Priority);
            }

            return Task.CompletedTask;
        }));
        await using var h = await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions() with { MaxConcurrentJobs = 1 });
        var ids = new List<Guid>();
        foreach (var p in new[] { 1, 5, 3, 9 })
        {
            ids.Add((await h.SubmitAsync("p", priority: p)).Id);
        }

        h.Start();
        foreach (var id in ids)
        {
            await h.WaitFinishedAsync(id);
        }

        Assert.Equal([9, 5, 3, 1], order);
    }
}
