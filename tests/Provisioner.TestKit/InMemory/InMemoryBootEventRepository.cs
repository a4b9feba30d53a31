using Provisioner.Core.Boot;
using Provisioner.Core.Networking;

namespace Provisioner.TestKit.InMemory;

public sealed class InMemoryBootEventRepository(InMemoryStore store) : IBootEventRepository
{
    public Task AppendAsync(BootEvent bootEvent, CancellationToken cancellationToken)
    {
        store.Locked(() => store.BootEventRows.Add(bootEvent with { Id = ++store.NextId }));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<BootEvent>> ListForNodeAsync(Guid nodeId, IReadOnlyCollection<MacAddress> macs, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BootEvent>>(store.Locked(() =>
            store.BootEventRows
                .Where(e => e.NodeId == nodeId || (e.NodeId is null && e.Mac is { } m && macs.Contains(m)))
                .OrderByDescending(e => e.Id).Take(Math.Max(1, limit)).Reverse().ToArray()));

    public Task<IReadOnlyList<BootEvent>> ListRecentAsync(int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BootEvent>>(store.Locked(() =>
            store.BootEventRows.OrderByDescending(e => e.Id).Take(Math.Max(1, limit)).Reverse().ToArray()));
}
