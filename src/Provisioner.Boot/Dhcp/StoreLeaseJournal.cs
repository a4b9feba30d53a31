using System.Net.NetworkInformation;
using Provisioner.Core.Persistence;
using Provisioner.Dhcp.Leases;

namespace Provisioner.Boot.Dhcp;

/// <summary>Persists DHCP leases in the appliance's store (SQLite or PostgreSQL), one transaction per batch.</summary>
public sealed class StoreLeaseJournal(ILeaseRepository leases, TimeProvider time) : IDhcpLeaseStore
{
    public async ValueTask<IReadOnlyList<DhcpLease>> LoadAsync(CancellationToken cancellationToken)
    {
        var records = await leases.LoadAllAsync(cancellationToken).ConfigureAwait(false);
        return records.Select(r => new DhcpLease(
            r.Address,
            new PhysicalAddress(r.Mac.GetBytes()),
            r.ClientId is null ? null : Convert.FromHexString(r.ClientId),
            r.ExpiresAt,
            r.State switch { "released" => DhcpLeaseState.Released, "declined" => DhcpLeaseState.Declined, _ => DhcpLeaseState.Active },
            r.BpodId?.ToString("N") ?? string.Empty,
            r.Hostname)).ToArray();
    }

    public async ValueTask CommitAsync(IReadOnlyList<DhcpLease> changes, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var records = changes.Select(l => new LeaseRecord
        {
            Address = l.Address,
            Mac = InventoryScopeSource.ToMac(l.Mac),
            ClientId = l.ClientId is null ? null : Convert.ToHexString(l.ClientId),
            Hostname = l.HostName,
            BpodId = Guid.TryParseExact(l.ScopeId, "N", out var id) ? id : null,
            ExpiresAt = l.Expires,
            State = l.State switch { DhcpLeaseState.Released => "released", DhcpLeaseState.Declined => "declined", _ => "active" },
            UpdatedAt = now,
        }).ToArray();
        await leases.UpsertBatchAsync(records, cancellationToken).ConfigureAwait(false);
    }
}
