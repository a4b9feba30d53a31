using System.Collections.Frozen;
using System.Net;
using System.Net.NetworkInformation;

namespace Provisioner.Dhcp.Scopes;

/// <summary>An <see cref="IDhcpScopeSource"/> over fixed lists; <see cref="Replace"/> swaps them atomically.</summary>
public sealed class InMemoryScopeSource : IDhcpScopeSource
{
    private volatile Snapshot _snapshot;

    public InMemoryScopeSource(IEnumerable<DhcpScope> scopes, IEnumerable<DhcpReservation>? reservations = null)
    {
        _snapshot = new Snapshot(scopes, reservations ?? []);
    }

    public IReadOnlyList<DhcpScope> Scopes => _snapshot.Scopes;

    public DhcpReservation? FindReservation(PhysicalAddress mac)
    {
        ArgumentNullException.ThrowIfNull(mac);
        return _snapshot.ByMac.TryGetValue(mac, out var r) ? r : null;
    }

    public bool IsReserved(IPAddress address) => _snapshot.Addresses.Contains(address);

    /// <summary>Replaces scopes and reservations in one step.</summary>
    public void Replace(IEnumerable<DhcpScope> scopes, IEnumerable<DhcpReservation> reservations)
        => _snapshot = new Snapshot(scopes, reservations);

    private sealed class Snapshot
    {
        public Snapshot(IEnumerable<DhcpScope> scopes, IEnumerable<DhcpReservation> reservations)
        {
            Scopes = scopes.ToArray();
            var list = reservations.ToArray();
            ByMac = list.ToFrozenDictionary(r => r.Mac);
            Addresses = list.Select(r => r.Address).ToFrozenSet();
        }

        public IReadOnlyList<DhcpScope> Scopes { get; }

        public FrozenDictionary<PhysicalAddress, DhcpReservation> ByMac { get; }

        public FrozenSet<IPAddress> Addresses { get; }
    }
}
