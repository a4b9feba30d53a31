using System.Net;
using Dapper;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Leases;

internal sealed class LeaseStore(StoreDatabase db) : ILeaseRepository
{
    private const string Columns = "address, mac, client_id, hostname, bpod_id, expires_at, state, updated_at";

    public async Task<IReadOnlyList<LeaseRecord>> LoadAllAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM dhcp_leases", null, cancellationToken).ConfigureAwait(false)).Select(r => r.ToLease()).ToList();

    public Task UpsertBatchAsync(IReadOnlyList<LeaseRecord> leases, CancellationToken cancellationToken)
    {
        if (leases.Count == 0)
        {
            return Task.CompletedTask;
        }

        return db.WriteAsync(async (c, tx) =>
        {
            foreach (var l in leases)
            {
                await c.ExecuteAsync(db.Command(
                    $"INSERT INTO dhcp_leases ({Columns}) VALUES (@address, @mac, @ClientId, @Hostname, @BpodId, @ExpiresAt, @State, @UpdatedAt) " +
                    "ON CONFLICT (address) DO UPDATE SET mac = excluded.mac, client_id = excluded.client_id, hostname = excluded.hostname, " +
                    "bpod_id = excluded.bpod_id, expires_at = excluded.expires_at, state = excluded.state, updated_at = excluded.updated_at",
                    new { address = l.Address.ToString(), mac = l.Mac.ToString(), l.ClientId, l.Hostname, l.BpodId, l.ExpiresAt, l.State, l.UpdatedAt },
                    tx, cancellationToken)).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<LeaseRecord>> FindByMacAsync(MacAddress mac, CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM dhcp_leases WHERE mac = @mac ORDER BY updated_at DESC", new { mac = mac.ToString() }, cancellationToken)
            .ConfigureAwait(false)).Select(r => r.ToLease()).ToList();

    private sealed class Row
    {
        public string Address { get; set; } = "";

        public string Mac { get; set; } = "";

        public string? ClientId { get; set; }

        public string? Hostname { get; set; }

        public Guid? BpodId { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }

        public string State { get; set; } = "";

        public DateTimeOffset UpdatedAt { get; set; }

        public LeaseRecord ToLease() => new()
        {
            Address = IPAddress.Parse(Address), Mac = MacAddress.Parse(Mac), ClientId = ClientId, Hostname = Hostname, BpodId = BpodId,
            ExpiresAt = ExpiresAt, State = State, UpdatedAt = UpdatedAt,
        };
    }
}
