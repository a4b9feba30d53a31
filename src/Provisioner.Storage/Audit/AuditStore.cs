using Dapper;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Audit;

internal sealed class AuditStore(StoreDatabase db) : IAuditLog
{
    public Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "INSERT INTO audit_events (at, actor, action, object_type, object_id, source, details) VALUES (@At, @Actor, @Action, @ObjectType, @ObjectId, @Source, @Details)",
            auditEvent, cancellationToken);

    /// <summary>Newest first.</summary>
    public Task<Page<AuditEvent>> ListAsync(string? objectType, string? objectId, PageRequest page, CancellationToken cancellationToken)
    {
        const string Where = "WHERE (@objectType IS NULL OR object_type = @objectType) AND (@objectId IS NULL OR object_id = @objectId)";
        var p = new { objectType, objectId, limit = page.SafeLimit, offset = page.SafeOffset };
        return db.ReadAsync(async c =>
        {
            var total = await c.ExecuteScalarAsync<long>(db.Command($"SELECT COUNT(*) FROM audit_events {Where}", p, null, cancellationToken)).ConfigureAwait(false);
            var rows = await c.QueryAsync<Row>(db.Command(
                $"SELECT id, at, actor, action, object_type, object_id, source, details FROM audit_events {Where} ORDER BY id DESC LIMIT @limit OFFSET @offset",
                p, null, cancellationToken)).ConfigureAwait(false);
            return new Page<AuditEvent>(rows.Select(r => new AuditEvent
            {
                Id = r.Id, At = r.At, Actor = r.Actor, Action = r.Action, ObjectType = r.ObjectType, ObjectId = r.ObjectId, Source = r.Source, Details = r.Details,
            }).ToList(), total, page.SafeOffset, page.SafeLimit);
        }, cancellationToken);
    }

    private sealed class Row
    {
        public long Id { get; set; }

        public DateTimeOffset At { get; set; }

        public string Actor { get; set; } = "";

        public string Action { get; set; } = "";

        public string ObjectType { get; set; } = "";

        public string? ObjectId { get; set; }

        public string? Source { get; set; }

        public string? Details { get; set; }
    }
}
