using Provisioner.Core.Persistence;
using Provisioner.Jobs;
using Provisioner.Jobs.Engine;
using Provisioner.Storage.Migrations;

namespace Provisioner.Storage.Tests;

/// <summary>The job store half of the contract: claiming, leases, guarded writes, cancel and retry.</summary>
public abstract partial class StoreContractTests
{
    private static JobRecord NewJob(Guid? nodeId = null, int priority = 0, int steps = 2, DateTimeOffset? at = null, Guid? bpodId = null, string? bmc = null) => new()
    {
        Id = Guid.NewGuid(),
        Kind = "noop",
        NodeId = nodeId,
        BpodId = bpodId,
        BmcKey = bmc,
        Priority = priority,
        RequestedBy = "test",
        CreatedAt = at ?? TestData.T0,
        NextRunAt = at ?? TestData.T0,
        ParametersJson = "{\"steps\":2}",
        Steps = Enumerable.Range(0, steps).Select(i => new StepRecord { Index = i, Name = $"s{i}", MaxAttempts = 3 }).ToList(),
    };

    private JobClaimRequest Claim(string owner, int limit, DateTimeOffset? now = null) => new()
    {
        Owner = owner, Now = now ?? Time.GetUtcNow(), LeaseDuration = TimeSpan.FromSeconds(30), Limit = limit, Kinds = ["noop"],
    };

    [Fact]
    public async Task Jobs_InsertAndGet_RoundTripsWithSteps()
    {
        var job = NewJob(Guid.NewGuid());
        var inserted = await Store.Jobs.InsertAsync(job, Ct);
        var read = await Store.Jobs.GetAsync(job.Id, Ct);
        Assert.Equal(Json(inserted), Json(read));
        Assert.Equal(JobState.Pending, read!.State);
        Assert.Equal(["s0", "s1"], read.Steps.Select(s => s.Name));
        Assert.Null(await Store.Jobs.GetAsync(Guid.NewGuid(), Ct));
    }

    [Fact]
    public async Task Jobs_SecondActiveJobForNode_IsRejectedNamingTheFirst()
    {
        var node = Guid.NewGuid();
        var first = await Store.Jobs.InsertAsync(NewJob(node), Ct);
        var e = await Assert.ThrowsAsync<JobRejectedException>(() => Store.Jobs.InsertAsync(NewJob(node), Ct));
        Assert.Contains(first.Id.ToString(), e.Message, StringComparison.Ordinal);
        await Store.Jobs.InsertAsync(NewJob(Guid.NewGuid()), Ct);
        await Store.Jobs.InsertAsync(NewJob(null), Ct);
        await Store.Jobs.InsertAsync(NewJob(null), Ct);
    }

    [Fact]
    public async Task Jobs_Claim_TakesHighestPriorityThenOldestAndOnlyDueOnes()
    {
        var low = await Store.Jobs.InsertAsync(NewJob(priority: 0, at: TestData.T0.AddSeconds(-10)), Ct);
        var high = await Store.Jobs.InsertAsync(NewJob(priority: 5, at: TestData.T0), Ct);
        var later = await Store.Jobs.InsertAsync(NewJob(priority: 9) with { NextRunAt = TestData.T0.AddSeconds(20) }, Ct);
        var claimed = await Store.Jobs.ClaimAsync(Claim("a1", 10), Ct);
        Assert.Equal([high.Id, low.Id], claimed.Select(j => j.Id));
        Assert.All(claimed, j =>
        {
            Assert.Equal(JobState.Running, j.State);
            Assert.Equal("a1", j.LeaseOwner);
            Assert.Equal(TestData.T0.AddSeconds(30), j.LeaseExpiresAt);
            Assert.Equal(2, j.Steps.Count);
        });
        Assert.Empty(await Store.Jobs.ClaimAsync(Claim("a2", 10), Ct));
        Assert.Equal(later.Id, Assert.Single(await Store.Jobs.ClaimAsync(Claim("a2", 10, TestData.T0.AddSeconds(20)), Ct)).Id);
    }

    [Fact]
    public async Task Jobs_Claim_RespectsKindsServedBpodsAndExclusions()
    {
        var rackA = Guid.NewGuid();
        var rackB = Guid.NewGuid();
        var a = await Store.Jobs.InsertAsync(NewJob(bpodId: rackA), Ct);
        var b = await Store.Jobs.InsertAsync(NewJob(bpodId: rackB), Ct);
        var anywhere = await Store.Jobs.InsertAsync(NewJob(bmc: "ipmi:10.0.0.1:623"), Ct);
        Assert.Empty(await Store.Jobs.ClaimAsync(Claim("x", 10) with { Kinds = ["deploy"] }, Ct));
        Assert.Empty(await Store.Jobs.ClaimAsync(Claim("x", 10) with { ServedBpods = [rackA], ExcludedBpods = [rackA], ExcludedBmcKeys = ["ipmi:10.0.0.1:623"] }, Ct));
        var got = await Store.Jobs.ClaimAsync(Claim("x", 10) with { ServedBpods = [rackA] }, Ct);
        Assert.Equal(new[] { a.Id, anywhere.Id }.Order(), got.Select(j => j.Id).Order());
        Assert.Equal(b.Id, Assert.Single(await Store.Jobs.ClaimAsync(Claim("y", 10), Ct)).Id);
    }

    [Fact]
    public async Task Jobs_ConcurrentClaimers_NeverShareAJob()
    {
        for (var i = 0; i < 60; i++)
        {
            await Store.Jobs.InsertAsync(NewJob(steps: 1), Ct);
        }

        await using var other = OpenSameDatabase();
        var stores = new[] { Store.Jobs, other.Jobs };
        var claims = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            var mine = new List<Guid>();
            while (true)
            {
                var got = await stores[i % 2].ClaimAsync(Claim($"owner-{i}", 7), Ct);
                if (got.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(got.Select(j => j.Id));
            }
        })).ToArray();
        var all = (await Task.WhenAll(claims)).SelectMany(x => x).ToList();
        Assert.Equal(60, all.Count);
        Assert.Equal(60, all.Distinct().Count());
    }

    [Fact]
    public async Task Jobs_ExpiredLease_IsTakenOverAndOldOwnerIsLockedOut()
    {
        var job = await Store.Jobs.InsertAsync(NewJob(), Ct);
        Assert.Single(await Store.Jobs.ClaimAsync(Claim("dead", 1), Ct));
        Assert.Empty(await Store.Jobs.ClaimAsync(Claim("alive", 1, TestData.T0.AddSeconds(29)), Ct));
        var taken = Assert.Single(await Store.Jobs.ClaimAsync(Claim("alive", 1, TestData.T0.AddSeconds(31)), Ct));
        Assert.Equal("alive", taken.LeaseOwner);
        await Assert.ThrowsAsync<LeaseLostException>(() => Store.Jobs.SaveStepAsync(job.Id, "dead", job.Steps[0] with { State = StepState.Running }, Ct));
        await Assert.ThrowsAsync<LeaseLostException>(() =>
            Store.Jobs.UpdateJobAsync(new JobProgressUpdate { JobId = job.Id, Owner = "dead", State = JobState.Succeeded, CurrentStep = 2 }, Ct));
        var renewals = await Store.Jobs.RenewLeasesAsync("dead", [job.Id], TestData.T0.AddMinutes(5), Ct);
        Assert.False(Assert.Single(renewals).Held);
        Assert.True(Assert.Single(await Store.Jobs.RenewLeasesAsync("alive", [job.Id], TestData.T0.AddMinutes(5), Ct)).Held);
    }

    [Fact]
    public async Task Jobs_ExpireLeasesOfAppliance_ExpiresEveryInstanceOfThatNameAndNoOther()
    {
        string[] owners = ["alpha", "alpha/1a2b", "alpha/3c4d", "alphabet/9", "alphax", "beta/1a2b"];
        foreach (var owner in owners)
        {
            await Store.Jobs.InsertAsync(NewJob(), Ct);
            Assert.Single(await Store.Jobs.ClaimAsync(Claim(owner, 1), Ct));
        }

        Assert.Equal(3, await Store.Jobs.ExpireLeasesOfApplianceAsync("alpha", Time.GetUtcNow(), Ct));
        var taken = await Store.Jobs.ClaimAsync(Claim("alpha/5e6f", 10), Ct);
        Assert.Equal(3, taken.Count);
        var all = await Store.Jobs.ListAsync(new JobQuery { Page = new PageRequest(0, 100) }, Ct);
        Assert.Equal(["alpha/5e6f", "alpha/5e6f", "alpha/5e6f", "alphabet/9", "alphax", "beta/1a2b"], all.Items.Select(j => j.LeaseOwner!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Jobs_ExpireLeasesOfOwner_MakesItsJobsClaimableAtOnce()
    {
        await Store.Jobs.InsertAsync(NewJob(), Ct);
        await Store.Jobs.ClaimAsync(Claim("appliance-1", 1), Ct);
        Assert.Empty(await Store.Jobs.ClaimAsync(Claim("appliance-1", 1), Ct));
        Assert.Equal(1, await Store.Jobs.ExpireLeasesOfAsync("appliance-1", Time.GetUtcNow(), Ct));
        Assert.Single(await Store.Jobs.ClaimAsync(Claim("appliance-1", 1), Ct));
    }

    [Fact]
    public async Task Jobs_SaveStepAndFinish_PersistProgressCheckpointAndReleaseLease()
    {
        var job = await Store.Jobs.InsertAsync(NewJob(), Ct);
        await Store.Jobs.ClaimAsync(Claim("a", 1), Ct);
        var step = job.Steps[1] with
        {
            State = StepState.Running, Attempt = 2, StartedAt = TestData.T0, BytesDone = 512, BytesTotal = 1024, Percent = 50, BytesPerSecond = 8.5,
            Message = "half", Checkpoint = "{\"offset\":512}", RanBy = "a",
        };
        await Store.Jobs.SaveStepAsync(job.Id, "a", step, Ct);
        var read = await Store.Jobs.GetAsync(job.Id, Ct);
        Assert.Equal(1, read!.CurrentStep);
        Assert.Equal(Json(step), Json(read.Steps[1]));
        await Store.Jobs.UpdateJobAsync(new JobProgressUpdate { JobId = job.Id, Owner = "a", State = JobState.Failed, CurrentStep = 1, Error = "boom", FinishedAt = TestData.T0 }, Ct);
        read = await Store.Jobs.GetAsync(job.Id, Ct);
        Assert.Equal(JobState.Failed, read!.State);
        Assert.Equal("boom", read.Error);
        Assert.Null(read.LeaseOwner);
    }

    [Fact]
    public async Task Jobs_CancelPending_CancelsAtOnceAndRunning_FlagsForEngine()
    {
        var pending = await Store.Jobs.InsertAsync(NewJob(), Ct);
        var cancelled = await Store.Jobs.RequestCancelAsync(pending.Id, TestData.T0, Ct);
        Assert.Equal(JobState.Cancelled, cancelled!.State);
        Assert.All(cancelled.Steps, s => Assert.Equal(StepState.Cancelled, s.State));

        var running = await Store.Jobs.InsertAsync(NewJob(), Ct);
        await Store.Jobs.ClaimAsync(Claim("a", 1), Ct);
        var flagged = await Store.Jobs.RequestCancelAsync(running.Id, TestData.T0, Ct);
        Assert.Equal(JobState.Running, flagged!.State);
        Assert.True(flagged.CancelRequested);
        Assert.True(Assert.Single(await Store.Jobs.RenewLeasesAsync("a", [running.Id], TestData.T0.AddMinutes(1), Ct)).CancelRequested);
        Assert.Null(await Store.Jobs.RequestCancelAsync(Guid.NewGuid(), TestData.T0, Ct));
    }

    [Fact]
    public async Task Jobs_Retry_RestartsFromFailedStepAndRespectsOneActivePerNode()
    {
        var node = Guid.NewGuid();
        var job = await Store.Jobs.InsertAsync(NewJob(node, steps: 3), Ct);
        await Assert.ThrowsAsync<JobRejectedException>(() => Store.Jobs.ResetForRetryAsync(job.Id, TestData.T0, Ct));
        await Store.Jobs.ClaimAsync(Claim("a", 1), Ct);
        await Store.Jobs.SaveStepAsync(job.Id, "a", job.Steps[0] with { State = StepState.Succeeded, Attempt = 1 }, Ct);
        await Store.Jobs.SaveStepAsync(job.Id, "a", job.Steps[1] with { State = StepState.Failed, Attempt = 3, Error = "bmc down" }, Ct);
        await Store.Jobs.UpdateJobAsync(new JobProgressUpdate { JobId = job.Id, Owner = "a", State = JobState.Failed, CurrentStep = 1, Error = "bmc down", FinishedAt = TestData.T0 }, Ct);

        var retried = await Store.Jobs.ResetForRetryAsync(job.Id, TestData.T0.AddMinutes(1), Ct);
        Assert.Equal(JobState.Pending, retried.State);
        Assert.Equal(1, retried.CurrentStep);
        Assert.Equal(StepState.Succeeded, retried.Steps[0].State);
        Assert.Equal(StepState.Pending, retried.Steps[1].State);
        Assert.Equal(0, retried.Steps[1].Attempt);
        Assert.Null(retried.Error);

        // While the retried job is active, nothing else may run on the node; and a job that is not finished cannot be retried.
        await Assert.ThrowsAsync<JobRejectedException>(() => Store.Jobs.InsertAsync(NewJob(node), Ct));
    }

    [Fact]
    public async Task Jobs_StepInterruptions_RoundTripAndARetryResetsThoseOfTheStepsItRunsAgain()
    {
        var job = await Store.Jobs.InsertAsync(NewJob(Guid.NewGuid(), steps: 3), Ct);
        Assert.All((await Store.Jobs.GetAsync(job.Id, Ct))!.Steps, s => Assert.Equal(0, s.Interruptions));
        await Store.Jobs.ClaimAsync(Claim("a", 1), Ct);
        await Store.Jobs.SaveStepAsync(job.Id, "a", job.Steps[0] with { State = StepState.Succeeded, Attempt = 1, Interruptions = 1 }, Ct);
        var running = job.Steps[1] with { State = StepState.Running, Attempt = 1, StartedAt = TestData.T0, RanBy = "a", Interruptions = 2 };
        await Store.Jobs.SaveStepAsync(job.Id, "a", running, Ct);
        Assert.Equal(Json(running), Json((await Store.Jobs.GetAsync(job.Id, Ct))!.Steps[1]));
        await Store.Jobs.SaveStepAsync(job.Id, "a", running with { StoppedCleanly = true }, Ct); // the appliance's shutdown
        Assert.True((await Store.Jobs.GetAsync(job.Id, Ct))!.Steps[1].StoppedCleanly);

        await Store.Jobs.SaveStepAsync(job.Id, "a", running with
        {
            State = StepState.Failed, FinishedAt = TestData.T0, Error = "interrupted 4 times", Interruptions = 4, StoppedCleanly = true,
        }, Ct);
        await Store.Jobs.UpdateJobAsync(new JobProgressUpdate
        {
            JobId = job.Id, Owner = "a", State = JobState.Failed, CurrentStep = 1, Error = "interrupted 4 times", FinishedAt = TestData.T0,
        }, Ct);
        var failed = (await Store.Jobs.GetAsync(job.Id, Ct))!;
        Assert.Equal(4, failed.Steps[1].Interruptions);
        Assert.Equal(4, Assert.Single((await Store.Jobs.ListAsync(new JobQuery { NodeId = job.NodeId }, Ct)).Items).Steps[1].Interruptions);

        var retried = await Store.Jobs.ResetForRetryAsync(job.Id, TestData.T0.AddMinutes(1), Ct);
        Assert.Equal((StepState.Pending, 0, 0, false),
            (retried.Steps[1].State, retried.Steps[1].Attempt, retried.Steps[1].Interruptions, retried.Steps[1].StoppedCleanly));
        // A step that finished keeps its history: the retry does not run it again.
        Assert.Equal((StepState.Succeeded, 1), (retried.Steps[0].State, retried.Steps[0].Interruptions));
        Assert.Equal(Json(retried), Json(await Store.Jobs.GetAsync(job.Id, Ct)));
    }

    [Fact]
    public async Task Jobs_UpgradeToStepInterruptions_ExistingStepsCountZero()
    {
        // A job stored before the columns existed: migration 5 run over it, its steps read back as never interrupted.
        var job = await Store.Jobs.InsertAsync(NewJob(Guid.NewGuid()), Ct);
        await Store.Database.ExecuteAsync("ALTER TABLE job_steps DROP COLUMN interruptions", null, Ct);
        await Store.Database.ExecuteAsync("ALTER TABLE job_steps DROP COLUMN stopped_cleanly", null, Ct);
        var migration = SchemaMigrator.Load(Store.Database.Dialect).Single(m => m.Version == 5);
        Assert.Equal("step_interruptions", migration.Description);
        await Store.Database.ExecuteAsync(migration.Sql, null, Ct);
        Assert.Equal(Json(job), Json(await Store.Jobs.GetAsync(job.Id, Ct)));
    }

    [Fact]
    public async Task Jobs_Logs_AppendAndPageByIdAndListFilters()
    {
        var job = await Store.Jobs.InsertAsync(NewJob(Guid.NewGuid()), Ct);
        var saved = await Store.Jobs.AppendLogAsync(Enumerable.Range(0, 5)
            .Select(i => new JobLogLine { JobId = job.Id, StepIndex = 0, At = TestData.T0.AddSeconds(i), Level = "info", Text = $"line {i}" }).ToList(), Ct);
        Assert.Equal(5, saved.Select(l => l.Id).Distinct().Count());
        var after = await Store.Jobs.GetLogAsync(job.Id, saved[1].Id, 2, Ct);
        Assert.Equal(["line 2", "line 3"], after.Select(l => l.Text));

        await Store.Jobs.InsertAsync(NewJob() with { Kind = "deploy" }, Ct);
        Assert.Equal(2, (await Store.Jobs.ListAsync(new JobQuery { ActiveOnly = true }, Ct)).Total);
        Assert.Equal(job.Id, Assert.Single((await Store.Jobs.ListAsync(new JobQuery { NodeId = job.NodeId }, Ct)).Items).Id);
        Assert.Equal("deploy", Assert.Single((await Store.Jobs.ListAsync(new JobQuery { Kind = "deploy" }, Ct)).Items).Kind);
        Assert.Equal(2, (await Store.Jobs.ListAsync(new JobQuery { State = JobState.Pending, Page = new PageRequest(0, 1) }, Ct)).Total);
    }
}
