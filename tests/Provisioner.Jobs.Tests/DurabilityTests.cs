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
            State = StepState.Running, Attempt = 1, StartedAt = h.Time.GetUtcNow(), Checkpoint = checkpoint,
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
