using Provisioner.Core.Persistence;

namespace Provisioner.TestKit.InMemory;

/// <summary>Operator requests in memory, with the SQL store's rules: pending requests of the same kind are superseded, a request resolves once.</summary>
public sealed class InMemoryOperatorRequestRepository(InMemoryStore store) : IOperatorRequestRepository
{
    public Task<int> AddAsync(OperatorRequestRecord request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(store.Locked(() =>
        {
            var superseded = 0;
            var rows = store.OperatorRequestRows;
            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                var sameKind = request.Action is not null ? r.Action is not null
                    : request.BootDevice is not null ? r.BootDevice is not null
                    : r.Action is null && r.BootDevice is null && r.What == request.What;
                if (r.NodeId == request.NodeId && r.Status == OperatorRequestStatus.Pending && sameKind)
                {
                    rows[i] = r with { Status = OperatorRequestStatus.Dismissed, ResolvedBy = $"superseded by {request.Id}", ResolvedAt = request.CreatedAt };
                    superseded++;
                }
            }

            rows.Add(request with { Status = OperatorRequestStatus.Pending, ResolvedBy = null, ResolvedAt = null });
            return superseded;
        }));
    }

    public Task<OperatorRequestRecord?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.OperatorRequestRows.FirstOrDefault(r => r.Id == id)));

    public Task<Page<OperatorRequestRecord>> ListAsync(OperatorRequestQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Task.FromResult(store.Locked(() => InMemoryStore.Paged(store.OperatorRequestRows
            .Where(r => (query.Status is null || r.Status == query.Status) && (!query.ResolvedOnly || r.Status != OperatorRequestStatus.Pending)
                        && (query.NodeId is null || r.NodeId == query.NodeId) && (query.JobId is null || r.JobId == query.JobId))
            .OrderByDescending(r => r.ResolvedAt ?? r.CreatedAt).ThenByDescending(r => r.CreatedAt), query.Page)));
    }

    public Task<OperatorRequestRecord?> ResolveAsync(Guid id, OperatorRequestStatus status, string resolvedBy, DateTimeOffset resolvedAt,
        CancellationToken cancellationToken)
    {
        if (status == OperatorRequestStatus.Pending)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Resolve a request as done or dismissed.");
        }

        return Task.FromResult(store.Locked(() =>
        {
            var i = store.OperatorRequestRows.FindIndex(r => r.Id == id && r.Status == OperatorRequestStatus.Pending);
            if (i < 0)
            {
                return null;
            }

            var resolved = store.OperatorRequestRows[i] with { Status = status, ResolvedBy = resolvedBy, ResolvedAt = resolvedAt };
            store.OperatorRequestRows[i] = resolved;
            return (OperatorRequestRecord?)resolved;
        }));
    }

    public Task<OperatorRequestRecord?> LastDonePowerActionAsync(Guid nodeId, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.OperatorRequestRows
            .Where(r => r.NodeId == nodeId && r.Status == OperatorRequestStatus.Done && r.Action is not null)
            .OrderByDescending(r => r.ResolvedAt).ThenByDescending(r => r.CreatedAt)
            .FirstOrDefault()));
}
