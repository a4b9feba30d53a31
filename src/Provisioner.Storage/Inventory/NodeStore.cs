using System.Data.Common;
using System.Net;
using System.Text;
using Dapper;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

/// <summary>
/// Nodes with optimistic concurrency (the version column), MAC uniqueness through node_macs, and the BMC secret
/// encrypted by <see cref="ISecretProtector"/> in its own column (the JSON of the BMC settings never holds it).
/// </summary>
internal sealed class NodeStore(StoreDatabase db, ISecretProtector protector, TimeProvider time) : INodeRepository
{
    private const string Columns =
        "n.id, n.hostname, n.bpod_id, n.slot, n.state, n.state_reason, n.failed_step, n.power_state, n.interfaces, n.bmc, n.bmc_secret, " +
        "n.facts, n.assigned_ip, n.deploy, n.tags, n.system_uuid, n.version, n.created_at, n.updated_at";

    public async Task<Node?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        ToNode(await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM nodes n WHERE n.id = @id", new { id }, cancellationToken).ConfigureAwait(false));

    public async Task<Node?> FindByMacAsync(MacAddress mac, CancellationToken cancellationToken) =>
        ToNode(await db.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM nodes n JOIN node_macs m ON m.node_id = n.id WHERE m.mac = @mac", new { mac = mac.ToString() }, cancellationToken)
            .ConfigureAwait(false));

    public async Task<Node?> FindByHostnameAsync(string hostname, CancellationToken cancellationToken) =>
        ToNode(await db.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM nodes n WHERE lower(n.hostname) = @h", new { h = hostname.ToLowerInvariant() }, cancellationToken).ConfigureAwait(false));

    public Task<Page<Node>> ListAsync(NodeQuery query, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("WHERE 1 = 1");
        var p = new DynamicParameters();
        if (query.ZoneId is { } zoneId)
        {
            where.Append(" AND n.bpod_id IN (SELECT b.id FROM bpods b WHERE b.zone_id = @zoneId)");
            p.Add("zoneId", zoneId);
        }

        if (query.BpodId is { } bpodId)
        {
            where.Append(" AND n.bpod_id = @bpodId");
            p.Add("bpodId", bpodId);
        }

        if (query.State is { } state)
        {
            where.Append(" AND n.state = @state");
            p.Add("state", (int)state);
        }

        if (!string.IsNullOrEmpty(query.Tag))
        {
            // Tags are a JSON array of strings: match the quoted element.
            where.Append(" AND n.tags LIKE @tag ESCAPE '\\'");
            p.Add("tag", LikePattern.ContainsExact(StoreJson.Serialize(query.Tag)));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var text = query.Search.Trim();
            if (MacAddress.TryParse(text, out var mac))
            {
                text = mac.ToString();
            }

            where.Append(" AND (lower(n.hostname) LIKE @s ESCAPE '\\' OR n.assigned_ip LIKE @s ESCAPE '\\' OR lower(n.facts) LIKE @s ESCAPE '\\'" +
                         " OR EXISTS (SELECT 1 FROM node_macs m WHERE m.node_id = n.id AND m.mac LIKE @s ESCAPE '\\'))");
            p.Add("s", LikePattern.Contains(text));
        }

        p.Add("limit", query.Page.SafeLimit);
        p.Add("offset", query.Page.SafeOffset);
        return db.ReadAsync(async c =>
        {
            var total = await c.ExecuteScalarAsync<long>(db.Command($"SELECT COUNT(*) FROM nodes n {where}", p, null, cancellationToken)).ConfigureAwait(false);
            var rows = await c.QueryAsync<Row>(db.Command(
                $"SELECT {Columns} FROM nodes n {where} ORDER BY n.hostname LIMIT @limit OFFSET @offset", p, null, cancellationToken)).ConfigureAwait(false);
            return new Page<Node>(rows.Select(r => ToNode(r)!).ToList(), total, query.Page.SafeOffset, query.Page.SafeLimit);
        }, cancellationToken);
    }

    public async Task<Node> AddAsync(Node node, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stored = node with
        {
            Version = 1,
            CreatedAt = node.CreatedAt == default ? now : node.CreatedAt,
            UpdatedAt = now,
        };
        try
        {
            await db.WriteAsync(async (c, tx) =>
            {
                await c.ExecuteAsync(db.Command(
                    "INSERT INTO nodes (id, hostname, bpod_id, slot, state, state_reason, failed_step, power_state, interfaces, bmc, bmc_secret, facts, " +
                    "assigned_ip, deploy, tags, system_uuid, version, created_at, updated_at) VALUES (@Id, @Hostname, @BpodId, @Slot, @State, @StateReason, " +
                    "@FailedStep, @PowerState, @Interfaces, @Bmc, @BmcSecret, @Facts, @AssignedIp, @Deploy, @Tags, @SystemUuid, @Version, @CreatedAt, @UpdatedAt)",
                    ToParameters(stored), tx, cancellationToken)).ConfigureAwait(false);
                await InsertMacsAsync(c, tx, stored, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException(
                $"A node with hostname '{node.Hostname}' or one of the MACs {string.Join(", ", node.Interfaces.Select(i => i.Mac))} already exists.", e);
        }

        return stored;
    }

    public async Task<Node> UpdateAsync(Node node, CancellationToken cancellationToken)
    {
        var stored = node with { Version = node.Version + 1, UpdatedAt = time.GetUtcNow() };
        try
        {
            await db.WriteAsync(async (c, tx) =>
            {
                var p = ToParameters(stored);
                p.Add("expected", node.Version);
                var n = await c.ExecuteAsync(db.Command(
                    "UPDATE nodes SET hostname = @Hostname, bpod_id = @BpodId, slot = @Slot, state = @State, state_reason = @StateReason, " +
                    "failed_step = @FailedStep, power_state = @PowerState, interfaces = @Interfaces, bmc = @Bmc, bmc_secret = @BmcSecret, facts = @Facts, " +
                    "assigned_ip = @AssignedIp, deploy = @Deploy, tags = @Tags, system_uuid = @SystemUuid, version = @Version, updated_at = @UpdatedAt " +
                    "WHERE id = @Id AND version = @expected", p, tx, cancellationToken)).ConfigureAwait(false);
                if (n == 0)
                {
                    var current = await c.QuerySingleOrDefaultAsync<(long Version, string Hostname)?>(db.Command(
                        "SELECT version, hostname FROM nodes WHERE id = @Id", new { node.Id }, tx, cancellationToken)).ConfigureAwait(false);
                    throw current is not { } stored
                        ? new KeyNotFoundException($"Node {node.Id} ({node.Hostname}) does not exist.")
                        : new ConcurrencyException(
                            $"Node {stored.Hostname} ({node.Id}) was changed by someone else (stored version {stored.Version}, yours {node.Version}); " +
                            "reload it and try again.");
                }

                await c.ExecuteAsync(db.Command("DELETE FROM node_macs WHERE node_id = @Id", new { node.Id }, tx, cancellationToken)).ConfigureAwait(false);
                await InsertMacsAsync(c, tx, stored, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"Another node already has hostname '{node.Hostname}' or one of the MACs of {node.Hostname}.", e);
        }

        return stored;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            await c.ExecuteAsync(db.Command("DELETE FROM node_macs WHERE node_id = @id", new { id }, tx, cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(db.Command("DELETE FROM nodes WHERE id = @id", new { id }, tx, cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    public Task AppendHistoryAsync(NodeHistoryEntry entry, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "INSERT INTO node_history (node_id, at, actor, kind, from_state, to_state, message) VALUES (@NodeId, @At, @Actor, @Kind, @from, @to, @Message)",
            new { entry.NodeId, entry.At, entry.Actor, entry.Kind, from = (int?)entry.FromState, to = (int?)entry.ToState, entry.Message },
            cancellationToken);

    public async Task<IReadOnlyList<NodeHistoryEntry>> GetHistoryAsync(Guid nodeId, int limit, CancellationToken cancellationToken)
    {
        // Newest `limit` entries, returned oldest first so they read as a story.
        var rows = await db.QueryAsync<HistoryRow>(
            "SELECT id, node_id, at, actor, kind, from_state, to_state, message FROM node_history WHERE node_id = @nodeId ORDER BY id DESC LIMIT @limit",
            new { nodeId, limit = Math.Clamp(limit, 1, PageRequest.MaxLimit) }, cancellationToken).ConfigureAwait(false);
        return rows.Reverse().Select(r => new NodeHistoryEntry
        {
            Id = r.Id, NodeId = r.NodeId, At = r.At, Actor = r.Actor, Kind = r.Kind,
            FromState = (NodeState?)r.FromState, ToState = (NodeState?)r.ToState, Message = r.Message,
        }).ToList();
    }

    public async Task<int> MaxSlotAsync(Guid bpodId, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<int?>("SELECT MAX(slot) FROM nodes WHERE bpod_id = @bpodId", new { bpodId }, cancellationToken).ConfigureAwait(false) ?? 0;

    private async Task InsertMacsAsync(DbConnection c, DbTransaction tx, Node node, CancellationToken cancellationToken)
    {
        foreach (var mac in node.Interfaces.Select(i => i.Mac).Distinct())
        {
            await c.ExecuteAsync(db.Command("INSERT INTO node_macs (mac, node_id) VALUES (@mac, @Id)", new { mac = mac.ToString(), node.Id }, tx, cancellationToken))
                .ConfigureAwait(false);
        }
    }

    private DynamicParameters ToParameters(Node n)
    {
        var bmc = n.Bmc is null ? null : StoreJson.Serialize(BmcDocument.From(n.Bmc));
        var secret = n.Bmc?.Secret is { } s ? protector.Protect(s) : null;
        var p = new DynamicParameters();
        p.Add("Id", n.Id);
        p.Add("Hostname", n.Hostname);
        p.Add("BpodId", n.BpodId);
        p.Add("Slot", n.Slot);
        p.Add("State", (int)n.State);
        p.Add("StateReason", n.StateReason);
        p.Add("FailedStep", n.FailedStep);
        p.Add("PowerState", (int)n.PowerState);
        p.Add("Interfaces", StoreJson.Serialize(n.Interfaces));
        p.Add("Bmc", bmc);
        p.Add("BmcSecret", secret);
        p.Add("Facts", n.HardwareFactsJson);
        p.Add("AssignedIp", n.AssignedIp?.ToString());
        p.Add("Deploy", StoreJson.Serialize(n.Deploy));
        p.Add("Tags", StoreJson.Serialize(n.Tags));
        p.Add("SystemUuid", n.SystemUuid);
        p.Add("Version", n.Version);
        p.Add("CreatedAt", n.CreatedAt);
        p.Add("UpdatedAt", n.UpdatedAt);
        return p;
    }

    private Node? ToNode(Row? r)
    {
        if (r is null)
        {
            return null;
        }

        BmcSettings? bmc = null;
        if (r.Bmc is not null)
        {
            bmc = StoreJson.Deserialize<BmcDocument>(r.Bmc).ToSettings(r.BmcSecret is null ? null : protector.Unprotect(r.BmcSecret));
        }

        return new Node
        {
            Id = r.Id,
            Hostname = r.Hostname,
            BpodId = r.BpodId,
            Slot = r.Slot,
            State = (NodeState)r.State,
            StateReason = r.StateReason,
            FailedStep = r.FailedStep,
            PowerState = (NodePowerState)r.PowerState,
            Interfaces = StoreJson.Deserialize<List<NodeInterface>>(r.Interfaces),
            Bmc = bmc,
            HardwareFactsJson = r.Facts,
            AssignedIp = r.AssignedIp is null ? null : IPAddress.Parse(r.AssignedIp),
            Deploy = StoreJson.Deserialize<DeploySettings>(r.Deploy),
            Tags = StoreJson.Deserialize<List<string>>(r.Tags),
            SystemUuid = r.SystemUuid,
            Version = r.Version,
            CreatedAt = r.CreatedAt,
            UpdatedAt = r.UpdatedAt,
        };
    }

    /// <summary>BMC settings as stored: everything but the secret.</summary>
    private sealed record BmcDocument(string Driver, string? Address, int? Port, string? Username, Dictionary<string, string>? Options)
    {
        public static BmcDocument From(BmcSettings s) => new(s.Driver, s.Address, s.Port, s.Username, s.Options.ToDictionary());

        public BmcSettings ToSettings(string? secret) => new()
        {
            Driver = Driver, Address = Address, Port = Port, Username = Username, Secret = secret,
            Options = Options ?? new Dictionary<string, string>(),
        };
    }

    private sealed class Row
    {
        public Guid Id { get; set; }

        public string Hostname { get; set; } = "";

        public Guid BpodId { get; set; }

        public int? Slot { get; set; }

        public int State { get; set; }

        public string? StateReason { get; set; }

        public string? FailedStep { get; set; }

        public int PowerState { get; set; }

        public string Interfaces { get; set; } = "[]";

        public string? Bmc { get; set; }

        public string? BmcSecret { get; set; }

        public string? Facts { get; set; }

        public string? AssignedIp { get; set; }

        public string Deploy { get; set; } = "{}";

        public string Tags { get; set; } = "[]";

        public Guid? SystemUuid { get; set; }

        public long Version { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }
    }

    private sealed class HistoryRow
    {
        public long Id { get; set; }

        public Guid NodeId { get; set; }

        public DateTimeOffset At { get; set; }

        public string Actor { get; set; } = "";

        public string Kind { get; set; } = "";

        public int? FromState { get; set; }

        public int? ToState { get; set; }

        public string? Message { get; set; }
    }
}
