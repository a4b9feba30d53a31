using Provisioner.Core.Boot;
using Provisioner.Core.Networking;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Boot;

internal sealed class BootEventStore(StoreDatabase db) : IBootEventRepository
{
    private const string Columns = "id, at, node_id, mac, source, kind, summary, details";

    public Task AppendAsync(BootEvent bootEvent, CancellationToken cancellationToken) =>
        db.ExecuteAsync("INSERT INTO boot_events (at, node_id, mac, source, kind, summary, details) VALUES (@At, @NodeId, @mac, @source, @Kind, @Summary, @DetailsJson)",
            new { bootEvent.At, bootEvent.NodeId, mac = bootEvent.Mac?.ToString(), source = (int)bootEvent.Source, bootEvent.Kind, bootEvent.Summary, bootEvent.DetailsJson },
            cancellationToken);

    public async Task<IReadOnlyList<BootEvent>> ListForNodeAsync(Guid nodeId, IReadOnlyCollection<MacAddress> macs, int limit, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<Row>(
            $"SELECT {Columns} FROM boot_events WHERE node_id = @nodeId OR (node_id IS NULL AND {db.In("mac", "macs")}) ORDER BY id DESC LIMIT @limit",
            new { nodeId, macs = macs.Select(m => m.ToString()).ToArray(), limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken).ConfigureAwait(false);
        return rows.Reverse().Select(r => r.ToEvent()).ToList();
    }

    public async Task<IReadOnlyList<BootEvent>> ListRecentAsync(int limit, CancellationToken cancellationToken)
    {
        var rows = await db.QueryAsync<Row>($"SELECT {Columns} FROM boot_events ORDER BY id DESC LIMIT @limit", new { limit = Math.Clamp(limit, 1, 10_000) },
            cancellationToken).ConfigureAwait(false);
        return rows.Reverse().Select(r => r.ToEvent()).ToList();
    }

    private sealed class Row
    {
        public long Id { get; set; }

        public DateTimeOffset At { get; set; }

        public Guid? NodeId { get; set; }

        public string? Mac { get; set; }

        public int Source { get; set; }

        public string Kind { get; set; } = "";

        public string Summary { get; set; } = "";

        public string? Details { get; set; }

        public BootEvent ToEvent() => new()
        {
            Id = Id, At = At, NodeId = NodeId, Mac = Mac is null ? null : MacAddress.Parse(Mac), Source = (BootEventSource)Source, Kind = Kind,
            Summary = Summary, DetailsJson = Details,
        };
    }
}
