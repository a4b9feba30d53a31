using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.Engine;

/// <summary>
/// The job worker of one appliance: claims runnable jobs from the store with leases, runs them (up to the concurrency
/// limits), renews the leases with a heartbeat, and persists every step. A plain class: the host calls
/// <see cref="RunAsync"/> and cancels it to stop. Jobs interrupted by a crash are resumed by the next engine: at once
/// by this appliance after a restart, or by another appliance when the lease expires.
/// </summary>
public sealed partial class JobEngine
{
    private readonly WorkflowRegistry _workflows;
    private readonly ConcurrentDictionary<Guid, JobRunner> _running = new();
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile bool _shuttingDown;

    public JobEngine(IJobStore store, WorkflowRegistry workflows, JobEngineOptions options, JobEventHub? events = null, TimeProvider? time = null,
        ILogger<JobEngine>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ApplianceId);
        if (options.ApplianceId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("The appliance id must not contain '/' (it separates the id from the instance in lease owners).", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentJobs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxStepInterruptions, 1);
        if (options.HeartbeatInterval >= options.LeaseDuration)
        {
            throw new ArgumentException("The heartbeat interval must be shorter than the lease duration.", nameof(options));
        }

        Store = store;
        _workflows = workflows;
        Options = options;
        Events = events ?? new JobEventHub();
        Time = time ?? TimeProvider.System;
        Logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The lease owner ("appliance/instance", or the appliance id alone).</summary>
    public string Owner => Options.LeaseOwner;

    /// <summary>The appliance id, as shown for the steps it runs.</summary>
    public string ApplianceId => Options.ApplianceId;

    public JobEngineOptions Options { get; }

    public JobEventHub Events { get; }

    public JobEngineMetrics Metrics { get; } = new();

    /// <summary>Jobs running on this engine now.</summary>
    public int RunningCount => _running.Count;

    internal IJobStore Store { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal bool ShuttingDown => _shuttingDown;

    /// <summary>New work may be available (a local submission or retry): claim without waiting for the next poll.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Stops a job running here (its step sees cancellation); false when it does not run on this engine.</summary>
    public bool CancelLocal(Guid jobId)
    {
        if (_running.TryGetValue(jobId, out var runner))
        {
            runner.RequestCancel();
            return true;
        }

        return false;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; then stops running steps, releases the leases
    /// (jobs stay Running so the next engine resumes them) and returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var shutdown = new CancellationTokenSource();
        var tasks = new ConcurrentDictionary<Guid, Task>();
        if (Options.RecoverOwnJobsAtStart)
        {
            var recovered = await Store.ExpireLeasesOfApplianceAsync(ApplianceId, Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            if (recovered > 0)
            {
                Log.Recovering(Logger, recovered, Owner);
            }
        }

        Log.Started(Logger, Owner, Options.MaxConcurrentJobs);
        var heartbeat = HeartbeatLoopAsync(shutdown.Token);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var claimedFull = false;
                var free = Options.MaxConcurrentJobs - _running.Count;
                if (free > 0)
                {
                    try
                    {
                        claimedFull = await ClaimAndStartAsync(free, tasks, shutdown.Token, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Log.ClaimFailed(Logger, e);
                    }
                }

                if (!claimedFull)
                {
                    await WaitForWorkAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _shuttingDown = true;
            await shutdown.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(tasks.Values).ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            try
            {
                await Store.ExpireLeasesOfAsync(Owner, Time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.ReleaseFailed(Logger, e);
            }

            Log.Stopped(Logger, Owner);
        }
    }

    /// <summary>Claims up to <paramref name="free"/> jobs and starts them; true when it got all it asked for (more may wait).</summary>
    private async Task<bool> ClaimAndStartAsync(int free, ConcurrentDictionary<Guid, Task> tasks, CancellationToken shutdown, CancellationToken cancellationToken)
    {
        var (excludedBpods, excludedBmcs) = LimitsReached();
        var claimed = await Store.ClaimAsync(new JobClaimRequest
        {
            Owner = Owner,
            Now = Time.GetUtcNow(),
            LeaseDuration = Options.LeaseDuration,
            Limit = free,
            Kinds = _workflows.Kinds,
            ServedBpods = Options.ServedBpods,
            ExcludedBpods = excludedBpods,
            ExcludedBmcKeys = excludedBmcs,
            ExcludedJobIds = _running.Keys.ToArray(),
        }, cancellationToken).ConfigureAwait(false);

        var started = 0;
        foreach (var job in claimed)
        {
            // One claim may return several jobs of one BPOD/BMC; those over the limit go back unstarted.
            if (OverLimit(job))
            {
                await Store.UnclaimAsync(job.Id, Owner, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var runner = new JobRunner(this, job, _workflows.Get(job.Kind), shutdown);
            _running[job.Id] = runner;
            started++;
            tasks[job.Id] = Task.Run(async () =>
            {
                try
                {
                    await runner.RunAsync().ConfigureAwait(false);
                }
                finally
                {
                    _running.TryRemove(job.Id, out _);
                    tasks.TryRemove(job.Id, out _);
                    Wake();
                }
            }, CancellationToken.None);
        }

        return claimed.Count == free && started == claimed.Count;
    }

    private (Guid[] Bpods, string[] Bmcs) LimitsReached()
    {
        var jobs = _running.Values.Select(r => r.Job).ToArray();
        var bpods = Options.MaxJobsPerBpod is { } maxBpod
            ? jobs.Where(j => j.BpodId is not null).GroupBy(j => j.BpodId!.Value).Where(g => g.Count() >= maxBpod).Select(g => g.Key).ToArray()
            : [];
        var bmcs = Options.MaxJobsPerBmc is { } maxBmc
            ? jobs.Where(j => j.BmcKey is not null).GroupBy(j => j.BmcKey!, StringComparer.Ordinal).Where(g => g.Count() >= maxBmc).Select(g => g.Key).ToArray()
            : [];
        return (bpods, bmcs);
    }

    private bool OverLimit(JobRecord job)
    {
        var jobs = _running.Values.Select(r => r.Job);
        if (job.BpodId is { } bpod && Options.MaxJobsPerBpod is { } maxBpod && jobs.Count(j => j.BpodId == bpod) >= maxBpod)
        {
            return true;
        }

        return job.BmcKey is { } bmc && Options.MaxJobsPerBmc is { } maxBmc && jobs.Count(j => string.Equals(j.BmcKey, bmc, StringComparison.Ordinal)) >= maxBmc;
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poll = Task.Delay(Options.PollInterval, Time, cts.Token);
        var wake = _wake.Reader.WaitToReadAsync(cts.Token).AsTask();
        await Task.WhenAny(poll, wake).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
        while (_wake.Reader.TryRead(out _))
        {
        }

        // Observe the cancelled loser so it does not surface as an unobserved exception.
        _ = poll.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        _ = wake.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }

    private async Task HeartbeatLoopAsync(CancellationToken shutdown)
    {
        var lastRenewed = Time.GetUtcNow();
        while (!shutdown.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.HeartbeatInterval, Time, shutdown).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var ids = _running.Keys.ToArray();
            var now = Time.GetUtcNow();
            if (ids.Length == 0)
            {
                lastRenewed = now;
                continue;
            }

            try
            {
                var renewals = await Store.RenewLeasesAsync(Owner, ids, now + Options.LeaseDuration, shutdown).ConfigureAwait(false);
                lastRenewed = now;
                foreach (var r in renewals)
                {
                    if (!_running.TryGetValue(r.JobId, out var runner))
                    {
                        continue;
                    }

                    if (!r.Held)
                    {
                        runner.LoseLease();
                        continue;
                    }

                    runner.LeaseRenewed(now + Options.LeaseDuration);
                    if (r.CancelRequested)
                    {
                        runner.RequestCancel();
                    }
                }
            }
            catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.HeartbeatFailed(Logger, e);
                // Without renewals our leases run out and another appliance may take the jobs: stop before that happens.
                if (now - lastRenewed >= Options.LeaseDuration - Options.HeartbeatInterval)
                {
                    foreach (var runner in _running.Values)
                    {
                        runner.LoseLease();
                    }
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Job engine {Owner} started (up to {MaxJobs} jobs at once)")]
        public static partial void Started(ILogger logger, string owner, int maxJobs);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Job engine {Owner} stopped")]
        public static partial void Stopped(ILogger logger, string owner);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Resuming {Count} job(s) that {Owner} was running when it stopped")]
        public static partial void Recovering(ILogger logger, int count, string owner);

        [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "Claiming jobs failed; retrying at the next poll")]
        public static partial void ClaimFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Renewing job leases failed")]
        public static partial void HeartbeatFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Releasing job leases at shutdown failed; they expire on their own")]
        public static partial void ReleaseFailed(ILogger logger, Exception exception);
    }
}
