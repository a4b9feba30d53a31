using Provisioner.Core.Persistence;

namespace Provisioner.Jobs;

/// <summary>State of a job. Persisted: never renumber.</summary>
public enum JobState
{
    Pending = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,
}

/// <summary>State of one step of a job. Persisted: never renumber.</summary>
public enum StepState
{
    Pending = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Skipped = 5,
    Cancelled = 6,
}

/// <summary>One step of a job as persisted and shown: state, attempts, timing, progress, error.</summary>
public sealed record StepRecord
{
    public required int Index { get; init; }

    /// <summary>"set-boot-pxe", "power-on", "wait-dhcp", "wait-agent", "stream-image", "write-config", "set-boot-disk", "reboot", "wait-deployed"...</summary>
    public required string Name { get; init; }

    public StepState State { get; init; } = StepState.Pending;

    public int Attempt { get; init; }

    public int MaxAttempts { get; init; } = 1;

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public long? BytesDone { get; init; }

    public long? BytesTotal { get; init; }

    /// <summary>0..100 when known.</summary>
    public double? Percent { get; init; }

    public double? BytesPerSecond { get; init; }

    /// <summary>Latest human progress line ("written 1.2 of 4.0 GiB, 85 MB/s, 33 s left").</summary>
    public string? Message { get; init; }

    /// <summary>Why the step failed: names the node, the step and what to do.</summary>
    public string? Error { get; init; }

    /// <summary>Small JSON the step saved so a re-run (after a crash or a retry) can resume instead of starting over.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>The appliance that ran (or runs) the latest attempt of this step; null before the first attempt.</summary>
    public string? RanBy { get; init; }

    /// <summary>The appliance stopped this step for its own shutdown (announced, unlike a crash): the next run resumes it
    /// without counting an interruption.</summary>
    public bool StoppedCleanly { get; init; }

    /// <summary>How often a run of this step was cut off by its appliance stopping mid-step (the step was found Running when
    /// the job was taken back). Past <c>JobEngineOptions.MaxStepInterruptions</c> the step is not run again; a retry resets it.</summary>
    public int Interruptions { get; init; }
}

/// <summary>A durable provisioning job for one node (or a BPOD-wide job).</summary>
public sealed record JobRecord
{
    public required Guid Id { get; init; }

    /// <summary>Workflow name: "commission", "deploy", "release", "rescue", "power-on", "power-off", "power-cycle", ...</summary>
    public required string Kind { get; init; }

    public Guid? NodeId { get; init; }

    /// <summary>The BPOD the job must run near (only an appliance serving it claims the job).</summary>
    public Guid? BpodId { get; init; }

    public JobState State { get; init; } = JobState.Pending;

    /// <summary>Higher runs first.</summary>
    public int Priority { get; init; }

    public required string RequestedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The index of the step running or to run next.</summary>
    public int CurrentStep { get; init; }

    public string? Error { get; init; }

    /// <summary>Workflow parameters as JSON (image, profile, wipe mode...).</summary>
    public string? ParametersJson { get; init; }

    public IReadOnlyList<StepRecord> Steps { get; init; } = [];

    /// <summary>Appliance currently holding the job's lease, if running.</summary>
    public string? LeaseOwner { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public long Version { get; init; }

    /// <summary>The BMC (or PDU) the job drives, for the per-BMC concurrency limit; null when it drives none.</summary>
    public string? BmcKey { get; init; }

    /// <summary>Not claimed before this instant (retry backoff, delayed start).</summary>
    public DateTimeOffset NextRunAt { get; init; }

    /// <summary>An operator asked to cancel; the engine running it stops the current step.</summary>
    public bool CancelRequested { get; init; }
}

/// <summary>A request to run a workflow.</summary>
public sealed record JobSubmission
{
    public required string Kind { get; init; }

    public Guid? NodeId { get; init; }

    public Guid? BpodId { get; init; }

    public int Priority { get; init; }

    public required string RequestedBy { get; init; }

    public string? ParametersJson { get; init; }

    /// <summary>The BMC/PDU address the job drives (per-BMC concurrency limit). When null the service fills it from the node.</summary>
    public string? BmcKey { get; init; }

    /// <summary>Do not start before this instant (null: as soon as possible).</summary>
    public DateTimeOffset? NotBefore { get; init; }
}

/// <summary>One log line of a job step.</summary>
public sealed record JobLogLine
{
    public long Id { get; init; }

    public required Guid JobId { get; init; }

    public required int StepIndex { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>"info", "warn", "error".</summary>
    public required string Level { get; init; }

    public required string Text { get; init; }
}

/// <summary>Filters for listing jobs.</summary>
public sealed record JobQuery
{
    public Guid? NodeId { get; init; }

    public JobState? State { get; init; }

    public string? Kind { get; init; }

    /// <summary>Only jobs not yet finished (Pending or Running).</summary>
    public bool ActiveOnly { get; init; }

    public PageRequest Page { get; init; } = new();
}

/// <summary>A live change of a job, for the dashboard (Server-Sent Events) and the CLI's progress bar.</summary>
public sealed record JobEvent
{
    public required Guid JobId { get; init; }

    public Guid? NodeId { get; init; }

    /// <summary>"job" (state changed), "step" (step state or progress changed), "log" (a new log line).</summary>
    public required string Type { get; init; }

    public required JobState JobState { get; init; }

    public StepRecord? Step { get; init; }

    public JobLogLine? Log { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>A job refused because the node already has an active job, or the workflow is unknown.</summary>
public sealed class JobRejectedException : Exception
{
    public JobRejectedException() { }

    public JobRejectedException(string message) : base(message) { }

    public JobRejectedException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// What the API, the dashboard and the CLI use to drive jobs. Implemented by the job engine over the store.
/// </summary>
public interface IJobService
{
    /// <summary>Queues a job. <see cref="JobRejectedException"/> if the node already has an active job or the kind is unknown.</summary>
    Task<JobRecord> SubmitAsync(JobSubmission submission, CancellationToken cancellationToken);

    Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken);

    /// <summary>Log lines of a job after <paramref name="afterId"/> (0 for all), oldest first.</summary>
    Task<IReadOnlyList<JobLogLine>> GetLogAsync(Guid jobId, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>Cancels a pending or running job (the running step is asked to stop at its next checkpoint).</summary>
    Task CancelAsync(Guid id, string actor, CancellationToken cancellationToken);

    /// <summary>Runs a failed or cancelled job again from its failed step.</summary>
    Task<JobRecord> RetryAsync(Guid id, string actor, CancellationToken cancellationToken);

    /// <summary>Live events of all jobs from now on, until cancelled. Slow readers lose intermediate progress events, never state changes.</summary>
    IAsyncEnumerable<JobEvent> SubscribeAsync(CancellationToken cancellationToken);
}
