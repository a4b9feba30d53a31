using Provisioner.Core.Power;

namespace Provisioner.Core.Persistence;

/// <summary>Where an operator request stands. Values are persisted: never renumber.</summary>
public enum OperatorRequestStatus
{
    /// <summary>Waiting for a human.</summary>
    Pending = 1,

    /// <summary>An operator did it and said so.</summary>
    Done = 2,

    /// <summary>Not to be done: dismissed by an operator, or superseded by a newer request of the same kind.</summary>
    Dismissed = 3,
}

/// <summary>
/// An operator request as stored: what the manual power driver asked a human to do for a node, and how it ended.
/// The dashboard lists the pending ones; the operator's "done" is the only power reading a manual node has.
/// </summary>
public sealed record OperatorRequestRecord
{
    public required Guid Id { get; init; }

    public required Guid NodeId { get; init; }

    /// <summary>What to do, e.g. "power on" or "set the next boot device to Pxe (once)".</summary>
    public required string What { get; init; }

    /// <summary>The node's "instructions" setting when the request was made (where the machine is, which button).</summary>
    public string? Instructions { get; init; }

    /// <summary>The power action, when the request is one.</summary>
    public PowerAction? Action { get; init; }

    /// <summary>The boot device, when the request is a boot device change.</summary>
    public BootDeviceSetting? BootDevice { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The job that asked, when one did.</summary>
    public Guid? JobId { get; init; }

    public OperatorRequestStatus Status { get; init; } = OperatorRequestStatus.Pending;

    /// <summary>Who marked it done or dismissed it ("superseded by ID" when a newer request replaced it).</summary>
    public string? ResolvedBy { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }
}

/// <summary>
/// Filters for listing operator requests; all optional, combined with AND. Latest activity first: a pending request by
/// when it was asked, a resolved one by when it was resolved.
/// </summary>
public sealed record OperatorRequestQuery
{
    public OperatorRequestStatus? Status { get; init; }

    /// <summary>Only done and dismissed requests (the history).</summary>
    public bool ResolvedOnly { get; init; }

    public Guid? NodeId { get; init; }

    public Guid? JobId { get; init; }

    public PageRequest Page { get; init; } = new();
}

/// <summary>The operator requests of the manual power driver (implemented by Provisioner.Storage).</summary>
public interface IOperatorRequestRepository
{
    /// <summary>
    /// Stores <paramref name="request"/> as pending. In the same transaction, the node's pending requests of the same kind
    /// are dismissed as superseded by it: every power action for a power action (the latest intent wins), every boot
    /// device setting for a boot device setting, identical text otherwise. A retried job does not pile up duplicates,
    /// and an operator never sees "power on" and "power off" pending for one machine. Returns how many were superseded.
    /// </summary>
    Task<int> AddAsync(OperatorRequestRecord request, CancellationToken cancellationToken);

    Task<OperatorRequestRecord?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Page<OperatorRequestRecord>> ListAsync(OperatorRequestQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a pending request <see cref="OperatorRequestStatus.Done"/> or <see cref="OperatorRequestStatus.Dismissed"/>;
    /// returns it as stored now, or null when no pending request has that id (unknown, or resolved already: of two
    /// operators pressing at once, exactly one wins).
    /// </summary>
    Task<OperatorRequestRecord?> ResolveAsync(Guid id, OperatorRequestStatus status, string resolvedBy, DateTimeOffset resolvedAt,
        CancellationToken cancellationToken);

    /// <summary>The node's most recently resolved request with a power action that an operator marked done, or null.</summary>
    Task<OperatorRequestRecord?> LastDonePowerActionAsync(Guid nodeId, CancellationToken cancellationToken);
}
