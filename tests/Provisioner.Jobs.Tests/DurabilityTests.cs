using System.Globalization;
using Provisioner.Jobs.Engine;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.Tests;

/// <summary>Resuming after a crash, in process: the store is put in the state a dead engine leaves behind.</summary>
[Trait("Area", "Jobs")]
public sealed class DurabilityTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    /// <summary>Leaves <paramref name="job"/> as an engine killed during step <paramref name="step"/> would: Running, leased.</summary>
    private static async Task SimulateCrashDuringStepAsync(EngineHarness h, JobRecord job, int step, string? checkpoint, string owner = "appliance-test")
    {
        var claimed = Assert.Single(await h.Store.Jobs.ClaimAsync(new JobClaimRequest
        {
            Owner = owner, Now = h.Time.GetUtcNow(), LeaseDuration = TimeSpan.FromSeconds(2), Limit = 1, Kinds = [job.Kind],
        }, Ct));
        for (var i = 0; i < step; i++)
        {
            await h.Store.Jobs.SaveStepAsync(job.Id, owner, claimed.Steps[i] with { State = StepState.Succeeded, Attempt = 1 }, Ct);
        }

        await h.Store.Jobs.SaveStepAsync(job.Id, owner, claimed.Steps[step] with
        {
            State = StepState.Running, Attempt = 1, StartedAt = h.Time.GetUtcNow(), Checkpoint = checkpoint, RanBy = owner,
        }, Ct);
    }

    [Fact]
    public async Task Restart_SameAppliance_ResumesInterruptedStepFromItsCheckpointAtOnce()
    {
        var runs = new List<(string Step, bool Resumed, long Offset)>();
        var wf = new TestWorkflow("deployish",
            JobStepDefinition.Create("power-on", (ctx, _) =>
            {
                runs.Add((ctx.StepName, ctx.Resumed, 0));
                return Task.CompletedTask;
            }),
            JobStepDefinition.Create("stream-image", (ctx, _) =>
            {
                runs.Add((ctx.StepName, ctx.Resumed, ctx.GetCheckpoint<long>()));
                return Task.CompletedTask;
            }),
            JobStepDefinition.Create("reboot", (ctx, _) =>
            {
                runs.Add((ctx.StepName, ctx.Resumed, 0));
                return Task.CompletedTask;
            }));
        // Leases last 2 s: finishing well within that proves the restarted appliance did not wait for expiry.
        await using var h = await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions() with { LeaseDuration = TimeSpan.FromSeconds(30), HeartbeatInterval = TimeSpan.FromSeconds(10) });
        var job = await h.SubmitAsync("deployish");
        await SimulateCrashDuringStepAsync(h, job, 1, "123456");
        h.Start();
        var done = await h.WaitFinishedAsync(job.Id, TimeSpan.FromSeconds(10));
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal([("stream-image", true, 123456L), ("reboot", false, 0L)], runs);
        Assert.Equal(1, done.Steps[1].Attempt);
    }

    [Fact]
    public async Task Restart_InterruptedStepThatCannotRerun_FailsJobAsInterrupted()
    {
        var ran = false;
        var wf = new TestWorkflow("wipe", JobStepDefinition.Create("secure-erase", (_, _) =>
        {
            ran = true;
            return Task.CompletedTask;
        }, onInterrupted: InterruptedStepPolicy.Fail));
        await using var h = await EngineHarness.CreateSqliteAsync([wf]);
        var node = Guid.NewGuid();
        var job = await h.SubmitAsync("wipe", nodeId: node);
        await SimulateCrashDuringStepAsync(h, job, 0, null);
        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);
        Assert.Equal(JobState.Failed, done.State);
        Assert.StartsWith("interrupted", done.Error, StringComparison.Ordinal);
        Assert.Contains("secure-erase", done.Error, StringComparison.Ordinal);
        Assert.Contains(node.ToString(), done.Error, StringComparison.Ordinal);
        Assert.False(ran);
        Assert.Equal(("secure-erase", JobState.Failed), (wf.Outcomes.Single().FailedStep, wf.Outcomes.Single().State));
    }

    [Fact]
    public async Task Restart_InterruptedStep_CountsTheInterruptionDurablyBeforeRunningItAgain()
    {
        var seenWhileRunning = new List<int>();
        EngineHarness? harness = null;
        var wf = new TestWorkflow("deployish",
            JobStepDefinition.Create("power-on", (_, _) => Task.CompletedTask),
            JobStepDefinition.Create("stream-image", async (ctx, ct) =>
            {
                seenWhileRunning.Add((await harness!.Store.Jobs.GetAsync(ctx.JobId, ct))!.Steps[1].Interruptions);
            }),
            JobStepDefinition.Create("reboot", (_, _) => Task.CompletedTask));
        await using var h = await EngineHarness.CreateSqliteAsync([wf]);
        harness = h;
        var job = await h.SubmitAsync("deployish");
        await SimulateCrashDuringStepAsync(h, job, 1, null);
        Assert.Equal(0, (await h.Store.Jobs.GetAsync(job.Id, Ct))!.Steps[1].Interruptions);

        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);

        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal([1], seenWhileRunning);
        Assert.Equal([0, 1, 0], done.Steps.Select(s => s.Interruptions));
        Assert.Equal(1, done.Steps[1].Attempt);
        Assert.Contains("interruption 1 of the 3 allowed", Assert.Single(await h.Store.Jobs.GetLogAsync(job.Id, 0, 100, Ct)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_StepInterruptedMoreThanAllowed_FailsTheJobNamingNodeStepAndRunnerWithoutRunningItAgain()
    {
        const int Max = 2;
        var runs = 0;
        var started = new SemaphoreSlim(0);
        var stopped = new SemaphoreSlim(0);
        var wf = new TestWorkflow("firmware",
            JobStepDefinition.Create("power-on", (_, _) => Task.CompletedTask),
            JobStepDefinition.Create("flash-firmware", async (_, ct) =>
            {
                Interlocked.Increment(ref runs);
                started.Release();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                finally
                {
                    stopped.Release();
                }
            }),
            JobStepDefinition.Create("reboot", (_, _) => Task.CompletedTask));
        static JobEngineOptions Options(string owner) => EngineHarness.FastOptions(owner) with { MaxStepInterruptions = Max };
        await using var h = await EngineHarness.CreateSqliteAsync([wf], Options("appliance-last"));
        var node = Guid.NewGuid();
        var job = await h.SubmitAsync("firmware", nodeId: node);

        // Each round an appliance runs the step and dies mid-step: to the store that is a lease it no longer holds and a
        // step left Running. The first round is the step's first run, the others take it back after an interruption.
        StepRecord? lastRun = null;
        for (var round = 1; round <= Max + 1; round++)
        {
            var owner = $"appliance-{round}";
            var engine = new JobEngine(h.Store.Jobs, h.Workflows, Options(owner), h.Events, h.Time);
            using var stop = new CancellationTokenSource();
            var run = engine.RunAsync(stop.Token);
            Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(10)), $"round {round}: the step did not start");
            await h.Store.Jobs.ExpireLeasesOfAsync(owner, h.Time.GetUtcNow(), Ct);
            Assert.Single(await h.Store.Jobs.ClaimAsync(new JobClaimRequest
            {
                Owner = "dead", Now = h.Time.GetUtcNow(), LeaseDuration = TimeSpan.FromMinutes(5), Limit = 1, Kinds = ["firmware"],
            }, Ct));
            Assert.True(await stopped.WaitAsync(TimeSpan.FromSeconds(10)), $"round {round}: the step went on without its lease");
            await stop.CancelAsync();
            await run;
            await h.Store.Jobs.ExpireLeasesOfAsync("dead", h.Time.GetUtcNow(), Ct);

            lastRun = (await h.Store.Jobs.GetAsync(job.Id, Ct))!.Steps[1];
            Assert.Equal((StepState.Running, owner, round - 1), (lastRun.State, lastRun.RanBy, lastRun.Interruptions));
        }

        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);

        Assert.Equal(Max + 1, runs);
        Assert.Equal(JobState.Failed, done.State);
        var step = done.Steps[1];
        var startedAt = lastRun!.StartedAt!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        Assert.Equal((StepState.Failed, Max + 1, 1), (step.State, step.Interruptions, step.Attempt));
        Assert.Equal(StepState.Pending, done.Steps[2].State);
        Assert.Equal(done.Error, step.Error);
        Assert.Equal(
            $"Step 'flash-firmware' of firmware job {job.Id} for node {node} was interrupted 3 times (its appliance stopped mid-step; the last run was on " +
            $"appliance appliance-{Max + 1}), more than the {Max} allowed, so it is not run again: the step may be what stops the appliance: check the appliance " +
            $"log around {startedAt} UTC, fix the cause, then retry the job from this step.",
            done.Error);
        Assert.Equal(("flash-firmware", JobState.Failed), (wf.Outcomes.Single().FailedStep, wf.Outcomes.Single().State));
        var log = await h.Store.Jobs.GetLogAsync(job.Id, 0, 100, Ct);
        Assert.Equal(["warn", "warn", "error"], log.Select(l => l.Level));
        Assert.Equal(done.Error, log[^1].Text);

        // A retry runs the step again with a clean count.
        var retried = await h.Service.RetryAsync(job.Id, "operator", Ct);
        Assert.Equal((StepState.Pending, 0), (retried.Steps[1].State, retried.Steps[1].Interruptions));
        Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(10)), "the retried step did not run");
        Assert.Equal(Max + 2, runs);
    }

    [Fact]
    public async Task Restart_AfterGracefulShutdownsMidStep_ResumesEachTimeWithoutCountingAnInterruption()
    {
        // Rolling restarts of the appliances during a long step are announced stops, not crashes: however many there
        // are, the step resumes (from its checkpoint) and the crash-loop limit is never reached.
        var resumed = new List<bool>();
        var started = new SemaphoreSlim(0);
        var wf = new TestWorkflow("deployish",
            JobStepDefinition.Create("stream-image", async (ctx, ct) =>
            {
                lock (resumed)
                {
                    resumed.Add(ctx.Resumed);
                }

                started.Release();
                if (resumed.Count <= 3)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
            }));
        static JobEngineOptions Options(string owner) => EngineHarness.FastOptions(owner) with { MaxStepInterruptions = 1 };
        await using var h = await EngineHarness.CreateSqliteAsync([wf], Options("appliance-last"));
        var job = await h.SubmitAsync("deployish");

        for (var round = 1; round <= 3; round++)
        {
            var owner = $"appliance-{round}";
            var engine = new JobEngine(h.Store.Jobs, h.Workflows, Options(owner), h.Events, h.Time);
            using var stop = new CancellationTokenSource();
            var run = engine.RunAsync(stop.Token);
            Assert.True(await started.WaitAsync(TimeSpan.FromSeconds(10)), $"round {round}: the step did not start");
            await stop.CancelAsync(); // the host's shutdown
            await run;

            var step = (await h.Store.Jobs.GetAsync(job.Id, Ct))!.Steps[0];
            Assert.Equal((StepState.Running, owner, true, 0), (step.State, step.RanBy, step.StoppedCleanly, step.Interruptions));
        }

        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);

        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal([false, true, true, true], resumed);
        Assert.Equal((0, false, 1), (done.Steps[0].Interruptions, done.Steps[0].StoppedCleanly, done.Steps[0].Attempt));
        var log = await h.Store.Jobs.GetLogAsync(job.Id, 0, 100, Ct);
        Assert.Equal(["info", "info", "info"], log.Select(l => l.Level));
        Assert.Equal("step 'stream-image' was stopped by the shutdown of appliance appliance-3 during attempt 1; appliance appliance-last resumes it", log[^1].Text);
    }

    /// <summary>Leaves <paramref name="job"/> as an engine killed right after committing <paramref name="ended"/> (its last step) and before the job's end.</summary>
    private static async Task SimulateCrashAfterStepEndedAsync(EngineHarness h, JobRecord job, StepRecord ended, string owner = "appliance-test")
    {
        var claimed = Assert.Single(await h.Store.Jobs.ClaimAsync(new JobClaimRequest
        {
            Owner = owner, Now = h.Time.GetUtcNow(), LeaseDuration = TimeSpan.FromSeconds(2), Limit = 1, Kinds = [job.Kind],
        }, Ct));
        for (var i = 0; i < ended.Index; i++)
        {
            await h.Store.Jobs.SaveStepAsync(job.Id, owner, claimed.Steps[i] with { State = StepState.Succeeded, Attempt = 1, RanBy = owner }, Ct);
        }

        await h.Store.Jobs.SaveStepAsync(job.Id, owner, ended with { RanBy = owner }, Ct);
    }

    [Theory]
    [InlineData(StepState.Failed, JobState.Failed)]
    [InlineData(StepState.Cancelled, JobState.Cancelled)]
    public async Task Restart_StepEndedButJobNotYet_FinishesTheJobAsTheStepEndedWithoutRerunningIt(StepState stepEnd, JobState jobEnd)
    {
        var runs = new List<string>();
        var wf = new TestWorkflow("twostep",
            JobStepDefinition.Create("power-on", (ctx, _) =>
            {
                runs.Add(ctx.StepName);
                return Task.CompletedTask;
            }),
            JobStepDefinition.Create("flash-firmware", (ctx, _) =>
            {
                runs.Add(ctx.StepName);
                return Task.CompletedTask;
            }, maxAttempts: 3),
            JobStepDefinition.Create("reboot", (ctx, _) =>
            {
                runs.Add(ctx.StepName);
                return Task.CompletedTask;
            }));
        await using var h = await EngineHarness.CreateSqliteAsync([wf]);
        var job = await h.SubmitAsync("twostep", nodeId: Guid.NewGuid());
        var error = stepEnd == StepState.Failed ? "Step 'flash-firmware' failed (attempt 3 of 3): checksum mismatch" : null;
        await SimulateCrashAfterStepEndedAsync(h, job, job.Steps[1] with
        {
            State = stepEnd, Attempt = 3, MaxAttempts = 3, StartedAt = h.Time.GetUtcNow(), FinishedAt = h.Time.GetUtcNow(), Error = error,
        });

        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);

        Assert.Equal(jobEnd, done.State);
        Assert.Empty(runs);
        Assert.Equal(stepEnd, done.Steps[1].State);
        Assert.Equal(3, done.Steps[1].Attempt);
        Assert.Equal(StepState.Pending, done.Steps[2].State);
        Assert.Equal(1, done.CurrentStep);
        if (error is not null)
        {
            Assert.Equal(error, done.Error);
        }

        var outcome = Assert.Single(wf.Outcomes);
        Assert.Equal(("flash-firmware", jobEnd), (outcome.FailedStep, outcome.State));
    }

    [Fact]
    public async Task Restart_StepWaitingForItsRetry_WaitsOutTheBackoffAndCountsOnFromItsAttempts()
    {
        var attempts = new List<(int Attempt, DateTimeOffset At)>();
        var wf = new TestWorkflow("flaky", JobStepDefinition.Create("set-boot-pxe", (ctx, _) =>
        {
            attempts.Add((ctx.Attempt, DateTimeOffset.UtcNow));
            return Task.CompletedTask;
        }, maxAttempts: 3, backoff: new RetryBackoff(TimeSpan.FromSeconds(1.5))));
        await using var h = await EngineHarness.CreateSqliteAsync([wf]);
        var job = await h.SubmitAsync("flaky");
        var failedAt = h.Time.GetUtcNow();
        await SimulateCrashAfterStepEndedAsync(h, job, job.Steps[0] with
        {
            State = StepState.Pending, Attempt = 1, MaxAttempts = 3, StartedAt = failedAt, FinishedAt = failedAt, Error = "BMC busy",
        });

        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);

        Assert.Equal(JobState.Succeeded, done.State);
        var (attempt, at) = Assert.Single(attempts);
        Assert.Equal(2, attempt);
        Assert.True(at - failedAt >= TimeSpan.FromSeconds(1.4), $"retried {(at - failedAt).TotalSeconds:0.00} s after the failure, before its 1.5 s backoff");
    }

    [Fact]
    public async Task Restart_InterruptedStep_LogsWhoStoppedAndWhoCarriesOnAndRecordsTheNewRunner()
    {
        var wf = new TestWorkflow("deployish", JobStepDefinition.Create("stream-image", (ctx, _) => Task.CompletedTask));
        await using var h = await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions("appliance-2"));
        var job = await h.SubmitAsync("deployish");
        await SimulateCrashDuringStepAsync(h, job, 0, null, owner: "appliance-1");

        h.Start();
        var done = await h.WaitFinishedAsync(job.Id);

        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("appliance-2", done.Steps[0].RanBy);
        var line = Assert.Single(await h.Store.Jobs.GetLogAsync(job.Id, 0, 100, Ct));
        Assert.Equal("warn", line.Level);
        Assert.Contains("appliance appliance-1 stopped mid-step; appliance appliance-2 runs it again", line.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewerInstanceOfTheSameAppliance_TakesTheJobOver_TheOlderStopsAndWritesNothingMore()
    {
        var started = new TaskCompletionSource();
        var stopped = new TaskCompletionSource();
        var wf = new TestWorkflow("hang", JobStepDefinition.Create("wait-agent", async (ctx, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                stopped.TrySetResult();
            }
        }));
        // The older process: frozen longer than its lease, it lost the appliance name to a newer one.
        await using var h = (await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions() with { InstanceId = "old" })).Start();
        var job = await h.SubmitAsync("hang");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("appliance-test/old", (await h.Store.Jobs.GetAsync(job.Id, Ct))!.LeaseOwner);

        // The newer process starts: it takes back what its name held, at once.
        Assert.Equal(1, await h.Store.Jobs.ExpireLeasesOfApplianceAsync("appliance-test", h.Time.GetUtcNow(), Ct));
        var taken = Assert.Single(await h.Store.Jobs.ClaimAsync(new JobClaimRequest
        {
            Owner = "appliance-test/new", Now = h.Time.GetUtcNow(), LeaseDuration = TimeSpan.FromMinutes(5), Limit = 1, Kinds = ["hang"],
        }, Ct));

        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        var after = await h.Store.Jobs.GetAsync(job.Id, Ct);
        Assert.Equal(JobState.Running, after!.State);
        Assert.Equal("appliance-test/new", after.LeaseOwner);
        Assert.Equal(taken.Steps[0], after.Steps[0]);
    }

    [Fact]
    public async Task LogAsync_ReturnsOnlyOnceTheLineAndEveryEarlierOneIsStored()
    {
        IReadOnlyList<JobLogLine>? seenFromInside = null;
        EngineHarness? harness = null;
        var wf = new TestWorkflow("logs", JobStepDefinition.Create("power-on", async (ctx, ct) =>
        {
            ctx.Log(JobLogLevel.Info, "asking the BMC for power on");
            await ctx.LogAsync(JobLogLevel.Warn, "about to power on", ct);
            seenFromInside = await harness!.Store.Jobs.GetLogAsync(ctx.JobId, 0, 100, ct);
        }));
        // A long persist interval: only LogAsync can have written the lines by then.
        await using var h = (await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions() with { ProgressPersistInterval = TimeSpan.FromMinutes(5) })).Start();
        harness = h;
        var job = await h.SubmitAsync("logs");
        Assert.Equal(JobState.Succeeded, (await h.WaitFinishedAsync(job.Id)).State);
        Assert.Equal(["asking the BMC for power on", "about to power on"], seenFromInside!.Select(l => l.Text));
    }

    [Fact]
    public async Task Log_WhileTheStepRuns_IsStoredWithinMillisecondsNotAtTheNextProgressWrite()
    {
        var release = new TaskCompletionSource();
        var wf = new TestWorkflow("hang", JobStepDefinition.Create("wait-agent", async (ctx, ct) =>
        {
            ctx.Log(JobLogLevel.Info, "waiting for the agent");
            await release.Task.WaitAsync(ct);
        }));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions() with { ProgressPersistInterval = TimeSpan.FromMinutes(5) })).Start();
        var job = await h.SubmitAsync("hang");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((await h.Store.Jobs.GetLogAsync(job.Id, 0, 100, Ct)).Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the log line was not stored while the step ran");
            await Task.Delay(20);
        }

        release.SetResult();
        Assert.Equal(JobState.Succeeded, (await h.WaitFinishedAsync(job.Id)).State);
        Assert.Equal(["waiting for the agent"], (await h.Store.Jobs.GetLogAsync(job.Id, 0, 100, Ct)).Select(l => l.Text));
    }

    [Fact]
    public async Task OtherAppliance_TakesOverOnlyAfterTheDeadOnesLeaseExpires()
    {
        var ran = new TaskCompletionSource<DateTimeOffset>();
        var wf = new TestWorkflow("x", JobStepDefinition.Create("a", (ctx, _) =>
        {
            ran.TrySetResult(DateTimeOffset.UtcNow);
            return Task.CompletedTask;
        }));
        await using var h = await EngineHarness.CreateSqliteAsync([wf], EngineHarness.FastOptions("appliance-2"));
        var job = await h.SubmitAsync("x");
        var crashedAt = DateTimeOffset.UtcNow;
        await SimulateCrashDuringStepAsync(h, job, 0, null, owner: "appliance-1");
        h.Start();
        var startedAt = await ran.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(startedAt - crashedAt >= TimeSpan.FromSeconds(1.5), $"taken over after {(startedAt - crashedAt).TotalSeconds:0.00} s, before the 2 s lease ran out");
        var done = await h.WaitFinishedAsync(job.Id);
        Assert.Equal(JobState.Succeeded, done.State);
    }

    [Fact]
    public async Task LeaseTakenByAnotherAppliance_StopsTheStepAndWritesNothingMore()
    {
        var started = new TaskCompletionSource();
        var stopped = new TaskCompletionSource();
        var wf = new TestWorkflow("hang", JobStepDefinition.Create("wait-agent", async (ctx, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                stopped.TrySetResult();
            }
        }));
        await using var h = (await EngineHarness.CreateSqliteAsync([wf])).Start();
        var job = await h.SubmitAsync("hang");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // Another appliance believes this one dead: the lease is expired and taken.
        await h.Store.Jobs.ExpireLeasesOfAsync("appliance-test", h.Time.GetUtcNow(), Ct);
        var thief = Assert.Single(await h.Store.Jobs.ClaimAsync(new JobClaimRequest
        {
            Owner = "appliance-thief", Now = h.Time.GetUtcNow(), LeaseDuration = TimeSpan.FromMinutes(5), Limit = 1, Kinds = ["hang"],
        }, Ct));
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        var after = await h.Store.Jobs.GetAsync(job.Id, Ct);
        Assert.Equal(JobState.Running, after!.State);
        Assert.Equal("appliance-thief", after.LeaseOwner);
        Assert.Equal(thief.Steps[0].Attempt, after.Steps[0].Attempt);
        Assert.Equal(StepState.Running, after.Steps[0].State);
    }
}
