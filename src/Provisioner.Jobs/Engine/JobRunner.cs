using System.Globalization;
using Microsoft.Extensions.Logging;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.Engine;

/// <summary>
/// Runs one claimed job to its end on this engine: step after step from the job's current step, each attempt with its
/// timeout, retries with backoff, progress flushing, cancellation, and the final state. Every write is guarded by the lease.
/// </summary>
internal sealed partial class JobRunner
{
    private readonly JobEngine _engine;
    private readonly IJobWorkflow _workflow;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenSource _leaseWatchdog;
    private readonly SemaphoreSlim _saveGate = new(1, 1);
    private volatile bool _cancelRequested;
    private volatile bool _leaseLost;

    public JobRunner(JobEngine engine, JobRecord job, IJobWorkflow workflow, CancellationToken shutdown)
    {
        _engine = engine;
        Job = job;
        _workflow = workflow;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        _cancelRequested = job.CancelRequested;
        // Stop working a little before the lease runs out unless a heartbeat extends it: a starved or partitioned engine
        // must not still be running a step when another appliance may already have taken the job over.
        _leaseWatchdog = new CancellationTokenSource(Timeout.InfiniteTimeSpan, engine.Time);
        _leaseWatchdog.Token.Register(static s => ((JobRunner)s!).LoseLease(), this);
        LeaseRenewed(job.LeaseExpiresAt ?? engine.Time.GetUtcNow() + engine.Options.LeaseDuration);
    }

    /// <summary>The lease now runs until <paramref name="until"/>: push the watchdog forward.</summary>
    public void LeaseRenewed(DateTimeOffset until)
    {
        var margin = _engine.Options.LeaseDuration / 5;
        var left = until - margin - _engine.Time.GetUtcNow();
        try
        {
            _leaseWatchdog.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        catch (ObjectDisposedException)
        {
            // finished in between
        }
    }

    public JobRecord Job { get; private set; }

    public TimeProvider Time => _engine.Time;

    private ILogger Logger => _engine.Logger;

    private string Owner => _engine.Owner;

    public void RequestCancel()
    {
        _cancelRequested = true;
        Cancel();
    }

    public void LoseLease()
    {
        _leaseLost = true;
        Cancel();
    }

    private void Cancel()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // finished in between
        }
    }

    public async Task RunAsync()
    {
        using var scope = Logger.BeginScope(new JobLogScope(Job));
        try
        {
            await RunStepsAsync().ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            Log.LeaseLost(Logger, Job.Id);
        }
        catch (OperationCanceledException) when (_leaseLost)
        {
            Log.LeaseLost(Logger, Job.Id);
        }
        catch (OperationCanceledException) when (_engine.ShuttingDown)
        {
            // Left Running with its lease released: the next engine resumes it (steps are re-runnable).
            Log.LeftForNextEngine(Logger, Job.Id);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store failed under us (database down): the lease will expire and the job be taken over.
            Log.RunnerFailed(Logger, e, Job.Id);
        }
        finally
        {
            _leaseWatchdog.Dispose();
            _cts.Dispose();
            _saveGate.Dispose();
        }
    }

    private async Task RunStepsAsync()
    {
        var definitions = _workflow.Steps(Job);
        if (definitions.Count != Job.Steps.Count || definitions.Where((d, i) => d.Name != Job.Steps[i].Name).Any())
        {
            await FinishAsync(JobState.Failed, Job.CurrentStep, null,
                $"The '{Job.Kind}' workflow no longer has the steps this job was created with ({string.Join(", ", Job.Steps.Select(s => s.Name))}); " +
                "submit the job again.").ConfigureAwait(false);
            return;
        }

        Job = Job with { State = JobState.Running };
        _engine.Events.Publish(JobEvent(JobEventTypes.Job, null), progress: false);
        // A job's first step is ready when the engine got the job (time queued for a free slot is capacity, not dispatch
        // latency); each later step is ready when the one before it finished.
        var readyAt = Time.GetUtcNow();
        for (var i = Math.Max(0, Job.CurrentStep); i < definitions.Count; i++)
        {
            var definition = definitions[i];
            var record = Job.Steps[i];
            if (record.State is StepState.Succeeded or StepState.Skipped)
            {
                continue;
            }

            if (record.State is StepState.Failed or StepState.Cancelled)
            {
                // The step's end was committed but the process died before the job's (the finish hook runs in between):
                // the job ends as the step did. Re-running it would exceed its attempts or undo an operator's cancel.
                Log.StepEndedBeforeStop(Logger, Job.Id, record.Name, record.State);
                var state = record.State == StepState.Failed ? JobState.Failed : JobState.Cancelled;
                await FinishAsync(state, i, record.Name, record.Error ?? (state == JobState.Cancelled
                    ? $"Cancelled during step '{record.Name}'."
                    : $"Step '{record.Name}' of {Job.Kind} job {Job.Id}{NodeText()} failed.")).ConfigureAwait(false);
                return;
            }

            var resumed = record.State == StepState.Running;
            if (resumed)
            {
                if (!record.StoppedCleanly)
                {
                    Log.StepInterrupted(Logger, Job.Id, record.Name, record.Attempt);
                }

                if (definition.OnInterrupted == InterruptedStepPolicy.Fail)
                {
                    var failed = record with { State = StepState.Failed, FinishedAt = Time.GetUtcNow(), Error = Interrupted(record.Name) };
                    await SaveStepAsync(new StepRun(this, failed, resumed: true), CancellationToken.None).ConfigureAwait(false);
                    await AppendLogAsync([LogLine(record.Index, "error", failed.Error)], CancellationToken.None).ConfigureAwait(false);
                    await FinishAsync(JobState.Failed, i, record.Name, failed.Error).ConfigureAwait(false);
                    return;
                }

                if (record.StoppedCleanly)
                {
                    // Stopped for its appliance's shutdown, not cut off by a crash: resumed, and not counted as an interruption.
                    record = record with { StoppedCleanly = false };
                    await SaveStepAsync(new StepRun(this, record, resumed: true), CancellationToken.None).ConfigureAwait(false);
                    await AppendLogAsync([LogLine(record.Index, "info",
                        $"step '{record.Name}' was stopped by the shutdown of {(record.RanBy is { } by ? $"appliance {by}" : "its appliance")} during attempt " +
                        $"{Math.Max(1, record.Attempt)}; appliance {_engine.ApplianceId} resumes it")], CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    // Counted, durably, before the step runs again: a step that stops the process every time it runs (a native
                    // crash, an out-of-memory kill) would otherwise be taken back and run again at every restart, forever.
                    var interruptions = record.Interruptions + 1;
                    if (interruptions > _engine.Options.MaxStepInterruptions && !_cancelRequested)
                    {
                        Log.StepInterruptedTooOften(Logger, Job.Id, record.Name, interruptions, _engine.Options.MaxStepInterruptions);
                        var error = InterruptedTooOften(record, interruptions);
                        var failed = record with { State = StepState.Failed, FinishedAt = Time.GetUtcNow(), Error = error, Interruptions = interruptions };
                        await SaveStepAsync(new StepRun(this, failed, resumed: true), CancellationToken.None).ConfigureAwait(false);
                        await AppendLogAsync([LogLine(record.Index, "error", error)], CancellationToken.None).ConfigureAwait(false);
                        _engine.Events.Publish(JobEvent(JobEventTypes.Step, failed), progress: false);
                        await FinishAsync(JobState.Failed, i, record.Name, error).ConfigureAwait(false);
                        return;
                    }

                    record = record with { Interruptions = interruptions };
                    await SaveStepAsync(new StepRun(this, record, resumed: true), CancellationToken.None).ConfigureAwait(false);

                    // Durable and first in the step's log, so the log reads as what happened: who stopped, who carried on.
                    await AppendLogAsync([LogLine(record.Index, "warn",
                        $"step '{record.Name}' was interrupted during attempt {Math.Max(1, record.Attempt)}: {(record.RanBy is { } by ? $"appliance {by}" : "its appliance")} " +
                        $"stopped mid-step; appliance {_engine.ApplianceId} runs it again (steps are re-runnable; interruption {interruptions} of the " +
                        $"{_engine.Options.MaxStepInterruptions} allowed)")], CancellationToken.None).ConfigureAwait(false);
                }
            }
            else if (record is { State: StepState.Pending, Attempt: > 0, FinishedAt: { } failedAt })
            {
                // A failed attempt waiting for its retry when the process stopped: the backoff still applies.
                var wait = definition.Backoff.DelayAfter(record.Attempt) - (Time.GetUtcNow() - failedAt);
                if (wait > TimeSpan.Zero && !_cancelRequested)
                {
                    await DelayUnlessCancelledAsync(wait).ConfigureAwait(false);
                }
            }

            var outcome = await RunStepAsync(definition, record, resumed, readyAt).ConfigureAwait(false);
            if (outcome is not null)
            {
                await FinishAsync(outcome.Value.State, i, record.Name, outcome.Value.Error).ConfigureAwait(false);
                return;
            }

            readyAt = Time.GetUtcNow();
        }

        await FinishAsync(JobState.Succeeded, definitions.Count, null, null).ConfigureAwait(false);
    }

    /// <summary>Runs the attempts of one step; null when it succeeded, else how the job ends.</summary>
    private async Task<(JobState State, string Error)?> RunStepAsync(JobStepDefinition definition, StepRecord record, bool resumed, DateTimeOffset readyAt)
    {
        var maxAttempts = Math.Max(1, definition.MaxAttempts);
        // A re-run after an interruption does not use up an attempt: the previous one never got to finish.
        var attempt = resumed ? Math.Max(1, record.Attempt) : record.Attempt + 1;
        while (true)
        {
            if (_cancelRequested)
            {
                await SaveStepAsync(new StepRun(this, record with { State = StepState.Cancelled, FinishedAt = Time.GetUtcNow() }, resumed), CancellationToken.None)
                    .ConfigureAwait(false);
                return (JobState.Cancelled, $"Cancelled before step '{record.Name}'.");
            }

            var started = Time.GetUtcNow();
            _engine.Metrics.RecordStepStart(started - readyAt);
            var run = new StepRun(this, record with
            {
                State = StepState.Running, Attempt = attempt, MaxAttempts = maxAttempts, StartedAt = started, FinishedAt = null, Error = null,
                Percent = null, BytesDone = null, BytesTotal = null, BytesPerSecond = null, Message = null, RanBy = _engine.ApplianceId,
            }, resumed);
            await SaveStepAsync(run, CancellationToken.None).ConfigureAwait(false);
            _engine.Events.Publish(JobEvent(JobEventTypes.Step, run.Record), progress: false);

            var error = await ExecuteAttemptAsync(definition, run).ConfigureAwait(false);
            await run.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            var now = Time.GetUtcNow();
            if (error is null)
            {
                var done = run.Record;
                run.Set(done with { State = StepState.Succeeded, FinishedAt = now, Percent = done.Percent is null ? null : 100 });
                await SaveStepAsync(run, CancellationToken.None).ConfigureAwait(false);
                _engine.Metrics.RecordStepSucceeded();
                _engine.Events.Publish(JobEvent(JobEventTypes.Step, run.Record), progress: false);
                return null;
            }

            if (_leaseLost)
            {
                throw new LeaseLostException($"Lost the lease of job {Job.Id}.");
            }

            if (_cancelRequested)
            {
                run.Set(run.Record with { State = StepState.Cancelled, FinishedAt = now, Error = "cancelled by an operator" });
                await SaveStepAsync(run, CancellationToken.None).ConfigureAwait(false);
                _engine.Events.Publish(JobEvent(JobEventTypes.Step, run.Record), progress: false);
                return (JobState.Cancelled, $"Cancelled during step '{record.Name}'.");
            }

            if (_engine.ShuttingDown && definition.OnInterrupted == InterruptedStepPolicy.Rerun)
            {
                // An announced stop: the next appliance resumes the step without counting it as an interruption (that count
                // is for crashes, which the step itself may cause). A step that cannot run twice stays as it was, to fail then.
                run.Set(run.Record with { StoppedCleanly = true });
                await SaveStepAsync(run, CancellationToken.None).ConfigureAwait(false);
            }

            _cts.Token.ThrowIfCancellationRequested();
            _engine.Metrics.RecordStepFailed();
            var retryable = error.Value.Retryable && attempt < maxAttempts;
            var message = $"Step '{record.Name}' of {Job.Kind} job {Job.Id}{NodeText()} failed (attempt {attempt} of {maxAttempts}): {error.Value.Message}";
            run.Set(run.Record with { State = retryable ? StepState.Pending : StepState.Failed, FinishedAt = now, Error = message });
            await SaveStepAsync(run, CancellationToken.None).ConfigureAwait(false);
            await AppendLogAsync([LogLine(record.Index, "error", message)], CancellationToken.None).ConfigureAwait(false);
            _engine.Events.Publish(JobEvent(JobEventTypes.Step, run.Record), progress: false);
            if (!retryable)
            {
                Log.StepFailed(Logger, Job.Id, record.Name, attempt, error.Value.Message);
                return (JobState.Failed, message);
            }

            var delay = definition.Backoff.DelayAfter(attempt);
            Log.StepRetrying(Logger, Job.Id, record.Name, attempt, delay.TotalSeconds, error.Value.Message);
            await DelayUnlessCancelledAsync(delay).ConfigureAwait(false);

            record = run.Record;
            readyAt = Time.GetUtcNow();
            resumed = false;
            attempt++;
        }
    }

    /// <summary>Waits out a retry backoff; an operator's cancel ends the wait early (handled by the caller), anything else throws.</summary>
    private async Task DelayUnlessCancelledAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, Time, _cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_cancelRequested && !_leaseLost)
        {
            // handled at the top of the attempt loop
        }
    }

    /// <summary>Runs one attempt under its timeout, flushing progress while it works; null on success, else the error.</summary>
    private async Task<(string Message, bool Retryable)?> ExecuteAttemptAsync(JobStepDefinition definition, StepRun run)
    {
        using var timeout = new CancellationTokenSource(definition.Timeout, Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, timeout.Token);
        var context = new StepContext(Job, run, Time, Logger);
        Task work;
        try
        {
            work = definition.ExecuteAsync(context, linked.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            work = Task.FromException(e);
        }

        // Progress is written at most once per interval; log lines as soon as they are written (batched while a write is
        // in flight), so a crash loses at most the lines of that one write, not a whole interval of them.
        while (!work.IsCompleted)
        {
            // Not linked to the attempt's token: after a timeout or cancel the step gets the interval to wind down instead
            // of this loop spinning until it does.
            using var tick = new CancellationTokenSource();
            var delay = Task.Delay(_engine.Options.ProgressPersistInterval, Time, tick.Token);
            var logged = run.WaitForLogLinesAsync(tick.Token);
            await Task.WhenAny(work, delay, logged).ConfigureAwait(false);
            await tick.CancelAsync().ConfigureAwait(false);
            if (!work.IsCompleted)
            {
                await run.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        try
        {
            await work.ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_cts.IsCancellationRequested)
        {
            return ($"timed out after {definition.Timeout.TotalSeconds:0.#} s", true);
        }
        catch (OperationCanceledException) when (_cts.IsCancellationRequested)
        {
            return ("stopped", false);
        }
        catch (StepFailedException e)
        {
            return (e.Message, e.Retryable);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ($"{e.GetType().Name}: {e.Message}", true);
        }
    }

    private async Task FinishAsync(JobState state, int currentStep, string? failedStep, string? error)
    {
        var now = Time.GetUtcNow();
        var final = Job with { State = state, CurrentStep = currentStep, Error = error, FinishedAt = now };
        try
        {
            await _workflow.OnFinishedAsync(new JobOutcome(final, state, failedStep, error), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.FinishHookFailed(Logger, e, Job.Id);
        }

        await _engine.Store.UpdateJobAsync(new JobProgressUpdate
        {
            JobId = Job.Id, Owner = Owner, State = state, CurrentStep = currentStep, Error = error, FinishedAt = now,
        }, CancellationToken.None).ConfigureAwait(false);
        Job = final;
        _engine.Metrics.RecordJobFinished(state);
        Log.JobFinished(Logger, Job.Id, Job.Kind, state, error);
        _engine.Events.Publish(JobEvent(JobEventTypes.Job, null), progress: false);
    }

    public async Task SaveStepAsync(StepRun run, CancellationToken cancellationToken)
    {
        await _saveGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await _engine.Store.SaveStepAsync(Job.Id, Owner, run.Record, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _saveGate.Release();
        }
    }

    public async Task AppendLogAsync(IReadOnlyList<JobLogLine> lines, CancellationToken cancellationToken)
    {
        var saved = await _engine.Store.AppendLogAsync(lines, cancellationToken).ConfigureAwait(false);
        foreach (var line in saved)
        {
            _engine.Events.Publish(new JobEvent { JobId = Job.Id, NodeId = Job.NodeId, Type = JobEventTypes.Log, JobState = Job.State, Log = line, At = line.At },
                progress: false);
        }
    }

    public void PublishProgress(StepRecord step) => _engine.Events.Publish(JobEvent(JobEventTypes.Step, step), progress: true);

    private JobEvent JobEvent(string type, StepRecord? step) =>
        new() { JobId = Job.Id, NodeId = Job.NodeId, Type = type, JobState = Job.State, Step = step, At = Time.GetUtcNow() };

    private JobLogLine LogLine(int step, string level, string text) =>
        new() { JobId = Job.Id, StepIndex = step, At = Time.GetUtcNow(), Level = level, Text = text };

    private string NodeText() => Job.NodeId is { } n ? $" for node {n}" : "";

    private string Interrupted(string step) =>
        $"interrupted: the appliance running step '{step}' of {Job.Kind} job {Job.Id}{NodeText()} stopped mid-step, and the step cannot safely run " +
        "twice. Check the node, then retry the job.";

    private string InterruptedTooOften(StepRecord record, int interruptions) =>
        $"Step '{record.Name}' of {Job.Kind} job {Job.Id}{NodeText()} was interrupted {interruptions} times (its appliance stopped mid-step; " +
        $"the last run was on {(record.RanBy is { } by ? $"appliance {by}" : "an unrecorded appliance")}), more than the " +
        $"{_engine.Options.MaxStepInterruptions} allowed, so it is not run again: the step may be what stops the appliance: check the appliance log around " +
        $"{(record.StartedAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "the step's last start")}, " +
        "fix the cause, then retry the job from this step.";

    private static partial class Log
    {
        [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Job {JobId}: step {Step} was interrupted during attempt {Attempt}")]
        public static partial void StepInterrupted(ILogger logger, Guid jobId, string step, int attempt);

        [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Job {JobId}: step {Step} failed (attempt {Attempt}), retrying in {DelaySeconds} s: {Error}")]
        public static partial void StepRetrying(ILogger logger, Guid jobId, string step, int attempt, double delaySeconds, string error);

        [LoggerMessage(EventId = 5012, Level = LogLevel.Error, Message = "Job {JobId}: step {Step} failed (attempt {Attempt}): {Error}")]
        public static partial void StepFailed(ILogger logger, Guid jobId, string step, int attempt, string error);

        [LoggerMessage(EventId = 5013, Level = LogLevel.Information, Message = "Job {JobId} ({Kind}) finished: {State} {Error}")]
        public static partial void JobFinished(ILogger logger, Guid jobId, string kind, JobState state, string? error);

        [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Job {JobId}: lease lost (another appliance took it over); stopped working on it")]
        public static partial void LeaseLost(ILogger logger, Guid jobId);

        [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "Job {JobId}: stopped by shutdown; the next engine resumes it")]
        public static partial void LeftForNextEngine(ILogger logger, Guid jobId);

        [LoggerMessage(EventId = 5016, Level = LogLevel.Error, Message = "Job {JobId}: runner failed; the job is taken over when its lease expires")]
        public static partial void RunnerFailed(ILogger logger, Exception exception, Guid jobId);

        [LoggerMessage(EventId = 5017, Level = LogLevel.Error, Message = "Job {JobId}: the workflow's finish hook failed")]
        public static partial void FinishHookFailed(ILogger logger, Exception exception, Guid jobId);

        [LoggerMessage(EventId = 5018, Level = LogLevel.Warning, Message = "Job {JobId}: step {Step} had ended {StepState} when its appliance stopped; finishing the job accordingly")]
        public static partial void StepEndedBeforeStop(ILogger logger, Guid jobId, string step, StepState stepState);

        [LoggerMessage(EventId = 5019, Level = LogLevel.Error,
            Message = "Job {JobId}: step {Step} was interrupted {Interruptions} times, more than the {MaxInterruptions} allowed; failing the job instead of running it again")]
        public static partial void StepInterruptedTooOften(ILogger logger, Guid jobId, string step, int interruptions, int maxInterruptions);
    }
}

/// <summary>Values of <see cref="JobEvent.Type"/>.</summary>
public static class JobEventTypes
{
    public const string Job = "job";
    public const string Step = "step";
    public const string Log = "log";
}
