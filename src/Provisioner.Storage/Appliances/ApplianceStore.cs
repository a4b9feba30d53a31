using Dapper;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Appliances;

/// <summary>
/// The appliances table. Claiming a name is one write transaction: insert if absent, else read the holder (row-locked
/// on PostgreSQL, under the single writer on SQLite), judge it, and overwrite it only if it is gone.
/// </summary>
internal sealed class ApplianceStore(StoreDatabase db) : IApplianceRegistry
{
    private const string Columns = "name, instance_id, host, boot_id, pid, process_started, url, version, started_at, last_seen_at";

    private const string Values = "@Name, @InstanceId, @Host, @BootId, @Pid, @ProcessStarted, @Url, @Version, @StartedAt, @LastSeenAt";

    public Task<ApplianceInstance?> ClaimNameAsync(ApplianceInstance self, Func<ApplianceInstance, bool> holderIsGone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(holderIsGone);
        return db.WriteAsync<ApplianceInstance?>(async (c, tx) =>
        {
            var inserted = await c.ExecuteAsync(db.Command($"INSERT INTO appliances ({Columns}) VALUES ({Values}) ON CONFLICT (name) DO NOTHING", self, tx,
                cancellationToken)).ConfigureAwait(false);
            if (inserted == 1)
            {
                return null;
            }

            var lockRow = db.Dialect == SqlDialect.Postgres ? " FOR UPDATE" : "";
            var holder = (await c.QuerySingleAsync<Row>(db.Command($"SELECT {Columns} FROM appliances WHERE name = @Name{lockRow}", new { self.Name }, tx,
                cancellationToken)).ConfigureAwait(false)).ToInstance();
            if (holder.InstanceId != self.InstanceId && !holderIsGone(holder))
            {
                return holder;
            }

            await c.ExecuteAsync(db.Command(
                "UPDATE appliances SET instance_id = @InstanceId, host = @Host, boot_id = @BootId, pid = @Pid, process_started = @ProcessStarted, url = @Url, " +
                "version = @Version, started_at = @StartedAt, last_seen_at = @LastSeenAt WHERE name = @Name", self, tx, cancellationToken)).ConfigureAwait(false);
            return null;
        }, cancellationToken);
    }

    public async Task<bool> HeartbeatAsync(string name, Guid instanceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.ExecuteAsync("UPDATE appliances SET last_seen_at = @now WHERE name = @name AND instance_id = @instanceId", new { name, instanceId, now },
            cancellationToken).ConfigureAwait(false) == 1;

    public Task ReleaseAsync(string name, Guid instanceId, CancellationToken cancellationToken) =>
        db.ExecuteAsync("DELETE FROM appliances WHERE name = @name AND instance_id = @instanceId", new { name, instanceId }, cancellationToken);

    public async Task<IReadOnlyList<ApplianceInstance>> ListAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM appliances ORDER BY name", null, cancellationToken).ConfigureAwait(false))
        .Select(r => r.ToInstance()).ToList();

    private sealed class Row
    {
        public string Name { get; set; } = "";

        public Guid InstanceId { get; set; }

        public string Host { get; set; } = "";

        public string BootId { get; set; } = "";

        public int Pid { get; set; }

        public string ProcessStarted { get; set; } = "";

        public string? Url { get; set; }

        public string Version { get; set; } = "";

        public DateTimeOffset StartedAt { get; set; }

        public DateTimeOffset LastSeenAt { get; set; }

        public ApplianceInstance ToInstance() => new()
        {
            Name = Name, InstanceId = InstanceId, Host = Host, BootId = BootId, Pid = Pid, ProcessStarted = ProcessStarted, Url = Url, Version = Version,
            StartedAt = StartedAt, LastSeenAt = LastSeenAt,
        };
    }
}
