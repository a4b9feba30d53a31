namespace Provisioner.Dhcp.Leases;

/// <summary>
/// Durable lease storage. The server keeps every lease in memory, loads them once at start and commits each
/// batch of changes before it sends the ACKs that depend on them (group commit: one write per batch).
/// </summary>
public interface IDhcpLeaseStore
{
    /// <summary>All stored leases (latest record per address).</summary>
    ValueTask<IReadOnlyList<DhcpLease>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Durably records <paramref name="changes"/> (in order; later records of one address win).</summary>
    ValueTask CommitAsync(IReadOnlyList<DhcpLease> changes, CancellationToken cancellationToken);
}

/// <summary>A lease store that keeps nothing across restarts (tests, and servers that choose not to persist).</summary>
public sealed class InMemoryLeaseStore : IDhcpLeaseStore
{
    private readonly Dictionary<System.Net.IPAddress, DhcpLease> _leases = [];
    private readonly Lock _gate = new();

    /// <summary>Number of commits so far (group-commit tests).</summary>
    public int CommitCount { get; private set; }

    public ValueTask<IReadOnlyList<DhcpLease>> LoadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<DhcpLease>>(_leases.Values.ToArray());
        }
    }

    public ValueTask CommitAsync(IReadOnlyList<DhcpLease> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            foreach (var c in changes)
            {
                _leases[c.Address] = c;
            }

            CommitCount++;
        }

        return ValueTask.CompletedTask;
    }
}
