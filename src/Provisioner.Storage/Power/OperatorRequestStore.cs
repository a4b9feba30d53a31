using System.Text;
using Dapper;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Power;

/// <summary>
/// The operator_requests table. Superseding and resolving are conditioned on status = pending inside one write
/// transaction, so two operators (or two appliances) resolving the same request cannot both succeed.
/// </summary>
internal sealed class OperatorRequestStore(StoreDatabase db) : IOperatorRequestRepository
{
    private const string Columns =
        "id, node_id, what, instructions, action, boot_device, boot_persistent, boot_mode, created_at, job_id, status, resolved_by, resolved_at";

    public Task<int> AddAsync(OperatorRequestRecord request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Status != OperatorRequestStatus.Pending)
        {
            throw new ArgumentException("A new operator request is pending.", nameof(request));
        }

        var p = new
        {
            request.Id,
            request.NodeId,
            request.What,
            request.Instructions,
            Action = (int?)request.Action,
            BootDevice = (int?)request.BootDevice?.Device,
            BootPersistent = request.BootDevice?.Persistent,
            BootMode = (int?)request.BootDevice?.Mode,
            request.CreatedAt,
            request.JobId,
            pending = (int)OperatorRequestStatus.Pending,
            dismissed = (int)OperatorRequestStatus.Dismissed,
            supersededBy = $"superseded by {request.Id}",
        };
        // The latest request of a kind is what the node needs: a power action replaces any pending power action (a
        // pending "power on" is moot once "power off" is asked), a boot device setting any pending one; anything else
        // only an identical request.
        var sameKind = request.Action is not null ? "action IS NOT NULL"
            : request.BootDevice is not null ? "boot_device IS NOT NULL"
            : "action IS NULL AND boot_device IS NULL AND what = @What";
        return db.WriteAsync(async (c, tx) =>
        {
            var superseded = await c.ExecuteAsync(db.Command(
                "UPDATE operator_requests SET status = @dismissed, resolved_by = @supersededBy, resolved_at = @CreatedAt " +
                $"WHERE node_id = @NodeId AND status = @pending AND {sameKind}",
                p, tx, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(db.Command(
                $"INSERT INTO operator_requests ({Columns}) VALUES (@Id, @NodeId, @What, @Instructions, @Action, @BootDevice, @BootPersistent, @BootMode, " +
                "@CreatedAt, @JobId, @pending, NULL, NULL)", p, tx, cancellationToken)).ConfigureAwait(false);
            return superseded;
        }, cancellationToken);
    }

    public async Task<OperatorRequestRecord?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM operator_requests WHERE id = @id", new { id }, cancellationToken)
            .ConfigureAwait(false))?.ToRecord();

    public Task<Page<OperatorRequestRecord>> ListAsync(OperatorRequestQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var where = new StringBuilder("WHERE 1 = 1");
        var p = new DynamicParameters();
        if (query.Status is { } status)
        {
            where.Append(" AND status = @status");
            p.Add("status", (int)status);
        }

        if (query.ResolvedOnly)
        {
            where.Append(" AND status <> @pending");
            p.Add("pending", (int)OperatorRequestStatus.Pending);
        }

        if (query.NodeId is { } nodeId)
        {
            where.Append(" AND node_id = @nodeId");
            p.Add("nodeId", nodeId);
        }

        if (query.JobId is { } jobId)
        {
            where.Append(" AND job_id = @jobId");
            p.Add("jobId", jobId);
        }

        p.Add("limit", query.Page.SafeLimit);
        p.Add("offset", query.Page.SafeOffset);
        return db.ReadAsync(async c =>
        {
            var total = await c.ExecuteScalarAsync<long>(db.Command($"SELECT COUNT(*) FROM operator_requests {where}", p, null, cancellationToken))
                .ConfigureAwait(false);
            var rows = await c.QueryAsync<Row>(db.Command(
                $"SELECT {Columns} FROM operator_requests {where} ORDER BY COALESCE(resolved_at, created_at) DESC, created_at DESC, id LIMIT @limit OFFSET @offset", p, null, cancellationToken))
                .ConfigureAwait(false);
            return new Page<OperatorRequestRecord>(rows.Select(r => r.ToRecord()).ToList(), total, query.Page.SafeOffset, query.Page.SafeLimit);
        }, cancellationToken);
    }

    public Task<OperatorRequestRecord?> ResolveAsync(Guid id, OperatorRequestStatus status, string resolvedBy, DateTimeOffset resolvedAt,
        CancellationToken cancellationToken)
    {
        if (status == OperatorRequestStatus.Pending || !Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "Resolve a request as done or dismissed.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(resolvedBy);
        return db.WriteAsync(async (c, tx) =>
        {
            var changed = await c.ExecuteAsync(db.Command(
                "UPDATE operator_requests SET status = @status, resolved_by = @resolvedBy, resolved_at = @resolvedAt WHERE id = @id AND status = @pending",
                new { id, status = (int)status, resolvedBy, resolvedAt, pending = (int)OperatorRequestStatus.Pending }, tx, cancellationToken))
                .ConfigureAwait(false);
            if (changed == 0)
            {
                return null;
            }

            var row = await c.QuerySingleAsync<Row>(db.Command($"SELECT {Columns} FROM operator_requests WHERE id = @id", new { id }, tx, cancellationToken))
                .ConfigureAwait(false);
            return row.ToRecord();
        }, cancellationToken);
    }

    public async Task<OperatorRequestRecord?> LastDonePowerActionAsync(Guid nodeId, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM operator_requests WHERE node_id = @nodeId AND status = @done AND action IS NOT NULL " +
            "ORDER BY resolved_at DESC, created_at DESC LIMIT 1",
            new { nodeId, done = (int)OperatorRequestStatus.Done }, cancellationToken).ConfigureAwait(false))?.ToRecord();

    private sealed class Row
    {
        public Guid Id { get; set; }

        public Guid NodeId { get; set; }

        public string What { get; set; } = "";

        public string? Instructions { get; set; }

        public int? Action { get; set; }

        public int? BootDevice { get; set; }

        public bool? BootPersistent { get; set; }

        public int? BootMode { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public Guid? JobId { get; set; }

        public int Status { get; set; }

        public string? ResolvedBy { get; set; }

        public DateTimeOffset? ResolvedAt { get; set; }

        public OperatorRequestRecord ToRecord() => new()
        {
            Id = Id,
            NodeId = NodeId,
            What = What,
            Instructions = Instructions,
            Action = (PowerAction?)Action,
            BootDevice = BootDevice is { } d ? new BootDeviceSetting((Core.Power.BootDevice)d, BootPersistent ?? false, (Core.Power.BootMode)(BootMode ?? 0)) : null,
            CreatedAt = CreatedAt,
            JobId = JobId,
            Status = (OperatorRequestStatus)Status,
            ResolvedBy = ResolvedBy,
            ResolvedAt = ResolvedAt,
        };
    }
}
