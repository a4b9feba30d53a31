namespace Provisioner.Ipmi;

/// <summary>A snapshot of IPMI client counters.</summary>
/// <param name="Rejected">Rejected inbound packets per reason.</param>
/// <param name="SessionsOpened">RMCP+ sessions established.</param>
/// <param name="SessionsReused">Commands sent on an already open session.</param>
/// <param name="Retransmissions">Requests sent again after a timeout.</param>
public sealed record IpmiCountersSnapshot(IReadOnlyDictionary<IpmiRejectReason, long> Rejected, long SessionsOpened, long SessionsReused, long Retransmissions)
{
    /// <summary>Total rejected packets.</summary>
    public long TotalRejected => Rejected.Values.Sum();
}

/// <summary>Thread-safe counters shared by many clients (one per appliance is typical).</summary>
public sealed class IpmiCounters
{
    private readonly long[] _rejected = new long[Enum.GetValues<IpmiRejectReason>().Length];
    private readonly long[] _lastLogged = new long[Enum.GetValues<IpmiRejectReason>().Length];
    private long _opened;
    private long _reused;
    private long _retransmissions;

    /// <summary>Counts one rejected packet.</summary>
    public void Reject(IpmiRejectReason reason) => Interlocked.Increment(ref _rejected[(int)reason]);

    /// <summary>True at most once per minute per reason, so floods of bad packets log one line a minute.</summary>
    public bool ShouldLog(IpmiRejectReason reason, DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastLogged[(int)reason]);
        var ticks = now.UtcTicks;
        return ticks - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _lastLogged[(int)reason], ticks, last) == last;
    }

    internal void SessionOpened() => Interlocked.Increment(ref _opened);

    internal void SessionReused() => Interlocked.Increment(ref _reused);

    internal void Retransmitted() => Interlocked.Increment(ref _retransmissions);

    /// <summary>Reads all counters.</summary>
    public IpmiCountersSnapshot Snapshot() => new(
        Enum.GetValues<IpmiRejectReason>().ToDictionary(r => r, r => Interlocked.Read(ref _rejected[(int)r])),
        Interlocked.Read(ref _opened), Interlocked.Read(ref _reused), Interlocked.Read(ref _retransmissions));
}
