using Provisioner.Core.Persistence;

namespace Provisioner.Jobs.Engine;

/// <summary>What an engine asks for when it has free slots.</summary>
public sealed record JobClaimRequest
{
    /// <summary>The appliance (engine) that will hold the leases.</summary>
    public required string Owner { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>The lease ends at Now + LeaseDuration unless renewed by a heartbeat.</summary>
    public required TimeSpan LeaseDuration { get; init; }

    public required int Limit { get; init; }

    /// <summary>Workflow kinds this engine can run.</summary>
    public required IReadOnlyCollection<string> Kinds { get; init; }

    /// <summary>BPODs this appliance serves; jobs bound to another BPOD are left for its appliance. Null: serves every BPOD.</summary>
    public IReadOnlyCollection<Guid>? ServedBpods { get; init; }

    /// <summary>BPODs at their concurrency limit on this engine.</summary>
    public IReadOnlyCollection<Guid> ExcludedBpods { get; init; } = [];

    /// <summary>BMCs at their concurrency limit on this engine.</summary>
    public IReadOnlyCollection<string> ExcludedBmcKeys { get; init; } = [];

    /// <summary>Jobs this engine still runs (a late heartbeat must not make it claim its own job a second time).</summary>
    public IReadOnlyCollection<Guid> ExcludedJobIds { get; init; } = [];
}

/// <summary>The result of renewing one lease.</summary>
public readonly record struct LeaseRenewal(Guid JobId, bool Held, bool CancelRequested);

/// <summary>A job's own fields changed by its engine (guarded by the lease).</summary>
public sealed record JobProgressUpdate
{
    public required Guid JobId { get; init; }

    public required string Owner { get; init; }

    public required JobState State { get; init; }

    public required int CurrentStep { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>The lease of a job was taken over by another engine (ours expired): stop working on it at once.</summary>
public sealed class LeaseLostException : Exception
{
    public LeaseLostException() { }

    public LeaseLostException(string message) : base(message) { }

    public LeaseLostException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Durable job storage, implemented by Provisioner.Storage for SQLite and PostgreSQL. Every write an engine makes
/// for a running job is guarded by its lease (owner), so an engine whose lease expired can never overwrite the work
/// of the engine that took the job over.
/// </summary>
public interface IJobStore
{
    /// <summary>Inserts a job with its steps. <see cref="JobRejectedException"/> when its node already has an active job.</summary>
    Task<JobRecord> InsertAsync(JobRecord job, CancellationToken cancellationToken);

    Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<Page<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken);

    /// <summary>Leases up to Limit runnable jobs (pending and due, or running with an expired lease), highest priority first,
    /// then oldest. Each job is handed to one engine only (SKIP LOCKED on PostgreSQL; the single writer on SQLite).</summary>
    Task<IReadOnlyList<JobRecord>> ClaimAsync(JobClaimRequest request, CancellationToken cancellationToken);

    /// <summary>Gives a claimed job back unstarted (it became over a concurrency limit).</summary>
    Task UnclaimAsync(Guid jobId, string owner, CancellationToken cancellationToken);

    /// <summary>Extends the leases of <paramref name="jobIds"/> held by <paramref name="owner"/> until <paramref name="until"/>.</summary>
    Task<IReadOnlyList<LeaseRenewal>> RenewLeasesAsync(string owner, IReadOnlyCollection<Guid> jobIds, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Leases held by exactly <paramref name="owner"/> become claimable at once (its engine stops).</summary>
    Task<int> ExpireLeasesOfAsync(string owner, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>At start-up: jobs any earlier run of this appliance held (owner <paramref name="applianceId"/> or
    /// "applianceId/instance") become claimable at once, without waiting for expiry.</summary>
    Task<int> ExpireLeasesOfApplianceAsync(string applianceId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Saves one step (and the job's current step index). <see cref="LeaseLostException"/> when the lease is no longer held.</summary>
    Task SaveStepAsync(Guid jobId, string owner, StepRecord step, CancellationToken cancellationToken);

    /// <summary>Saves the job's state. Finishing (a final state) releases the lease. <see cref="LeaseLostException"/> when not held.</summary>
    Task UpdateJobAsync(JobProgressUpdate update, CancellationToken cancellationToken);

    /// <summary>Appends log lines; returns them with their ids.</summary>
    Task<IReadOnlyList<JobLogLine>> AppendLogAsync(IReadOnlyList<JobLogLine> lines, CancellationToken cancellationToken);

    Task<IReadOnlyList<JobLogLine>> GetLogAsync(Guid jobId, long afterId, int limit, CancellationToken cancellationToken);

    /// <summary>A pending job is cancelled at once; a running one is flagged for its engine. Null when the job does not exist.</summary>
    Task<JobRecord?> RequestCancelAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Makes a failed or cancelled job pending again from its first unfinished step (attempts and interruptions of the
    /// steps it runs again reset).
    /// <see cref="JobRejectedException"/> when the job is not failed/cancelled or its node has another active job.</summary>
    Task<JobRecord> ResetForRetryAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken);
}
