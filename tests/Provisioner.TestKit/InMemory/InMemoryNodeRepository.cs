using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;

namespace Provisioner.TestKit.InMemory;

/// <summary>Nodes with the same rules as the SQL stores: unique MACs and hostnames, optimistic concurrency on Version.</summary>
public sealed class InMemoryNodeRepository(InMemoryStore store) : INodeRepository
{
    public Task<Node?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.NodeRows.GetValueOrDefault(id)));

    public Task<Node?> FindByMacAsync(MacAddress mac, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.NodeRows.Values.FirstOrDefault(n => n.Interfaces.Any(i => i.Mac == mac))));

    public Task<Node?> FindByHostnameAsync(string hostname, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() =>
            store.NodeRows.Values.FirstOrDefault(n => string.Equals(n.Hostname, hostname, StringComparison.OrdinalIgnoreCase))));

    public Task<Page<Node>> ListAsync(NodeQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() =>
        {
            var zoneBpods = query.ZoneId is { } z ? store.BpodRows.Values.Where(b => b.ZoneId == z).Select(b => b.Id).ToHashSet() : null;
            var rows = store.NodeRows.Values
                .Where(n => zoneBpods is null || zoneBpods.Contains(n.BpodId))
                .Where(n => query.BpodId is null || n.BpodId == query.BpodId)
                .Where(n => query.State is null || n.State == query.State)
                .Where(n => query.Tag is null || n.Tags.Contains(query.Tag, StringComparer.OrdinalIgnoreCase))
                .Where(n => string.IsNullOrWhiteSpace(query.Search) || Matches(n, query.Search.Trim()))
                .OrderBy(n => n.Hostname, StringComparer.Ordinal);
            return InMemoryStore.Paged(rows, query.Page);
        }));

    public Task<Node> AddAsync(Node node, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() =>
        {
            EnsureUnique(node);
            var now = store.Time.GetUtcNow();
            var added = node with { Version = 1, CreatedAt = now, UpdatedAt = now };
            store.NodeRows.Add(node.Id, added);
            return added;
        }));

    public Task<Node> UpdateAsync(Node node, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() =>
        {
            if (!store.NodeRows.TryGetValue(node.Id, out var current))
            {
                throw new KeyNotFoundException($"Node {node.Id} does not exist.");
            }

            if (current.Version != node.Version)
            {
                throw new ConcurrencyException(
                    $"Node {node.Hostname} was changed by someone else (version {current.Version}, yours {node.Version}). Reload it and try again.");
            }

            EnsureUnique(node);
            var saved = node with { Version = node.Version + 1, UpdatedAt = store.Time.GetUtcNow() };
            store.NodeRows[node.Id] = saved;
            return saved;
        }));

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            store.NodeRows.Remove(id);
            store.OperatorRequestRows.RemoveAll(r => r.NodeId == id);
        });
        return Task.CompletedTask;
    }

    public Task AppendHistoryAsync(NodeHistoryEntry entry, CancellationToken cancellationToken)
    {
        store.Locked(() => store.HistoryRows.Add(entry with { Id = ++store.NextId }));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NodeHistoryEntry>> GetHistoryAsync(Guid nodeId, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<NodeHistoryEntry>>(store.Locked(() =>
            store.HistoryRows.Where(h => h.NodeId == nodeId).OrderByDescending(h => h.Id).Take(Math.Max(1, limit)).ToArray()));

    public Task<int> MaxSlotAsync(Guid bpodId, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.NodeRows.Values.Where(n => n.BpodId == bpodId).Select(n => n.Slot ?? 0).DefaultIfEmpty(0).Max()));

    private void EnsureUnique(Node node)
    {
        foreach (var other in store.NodeRows.Values.Where(o => o.Id != node.Id))
        {
            if (string.Equals(other.Hostname, node.Hostname, StringComparison.OrdinalIgnoreCase))
            {
                throw new DuplicateException($"Hostname '{node.Hostname}' is already used by node {other.Id}.");
            }

            var shared = other.Interfaces.Select(i => i.Mac).Intersect(node.Interfaces.Select(i => i.Mac)).ToArray();
            if (shared.Length > 0)
            {
                throw new DuplicateException($"MAC {shared[0]} already belongs to node {other.Hostname}.");
            }
        }
    }

    private static bool Matches(Node node, string term) =>
        node.Hostname.Contains(term, StringComparison.OrdinalIgnoreCase)
        || node.Interfaces.Any(i => i.Mac.ToString().Contains(term, StringComparison.OrdinalIgnoreCase)
                                    || (MacAddress.TryParse(term, out var mac) && i.Mac == mac))
        || (node.AssignedIp?.ToString().Contains(term, StringComparison.Ordinal) ?? false)
        || (node.HardwareFactsJson?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false);
}
