using System.Net.NetworkInformation;

namespace Provisioner.Dhcp;

/// <summary>
/// Token bucket per MAC for DISCOVERs, so one looping or hostile client cannot monopolise the worker.
/// Used by the single worker only (no locking). Memory is bounded: when the table grows large, buckets that
/// have refilled completely (idle clients) are forgotten.
/// </summary>
internal sealed class DiscoverRateLimiter
{
    private const int PruneThreshold = 65536;
    private readonly Dictionary<PhysicalAddress, (double Tokens, long At)> _buckets = [];
    private readonly double _burst;
    private readonly double _perSecond;
    private readonly TimeProvider _time;

    public DiscoverRateLimiter(int burst, double perSecond, TimeProvider time)
    {
        _burst = burst;
        _perSecond = perSecond;
        _time = time;
    }

    /// <summary>Takes a token for <paramref name="mac"/>; false when the client is over its rate.</summary>
    public bool TryAcquire(PhysicalAddress mac)
    {
        var now = _time.GetTimestamp();
        var tokens = _burst;
        if (_buckets.TryGetValue(mac, out var b))
        {
            tokens = Math.Min(_burst, b.Tokens + (_time.GetElapsedTime(b.At, now).TotalSeconds * _perSecond));
        }
        else if (_buckets.Count >= PruneThreshold)
        {
            Prune(now);
        }

        if (tokens < 1)
        {
            _buckets[mac] = (tokens, now);
            return false;
        }

        _buckets[mac] = (tokens - 1, now);
        return true;
    }

    private void Prune(long now)
    {
        var full = _burst / _perSecond;
        foreach (var (mac, b) in _buckets)
        {
            if (_time.GetElapsedTime(b.At, now).TotalSeconds >= full)
            {
                _buckets.Remove(mac);
            }
        }

        // Still full of busy clients (a spoofed-MAC flood): start over rather than grow without bound.
        if (_buckets.Count >= PruneThreshold)
        {
            _buckets.Clear();
        }
    }
}

/// <summary>At most one log line per drop reason per interval; counts what happened in between.</summary>
internal sealed class DropLogLimiter
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly long[] _last;
    private readonly long[] _since;
    private readonly Lock _gate = new();

    public DropLogLimiter(TimeSpan interval, TimeProvider time)
    {
        _interval = interval;
        _time = time;
        var n = Enum.GetValues<DhcpDropReason>().Length;
        _last = new long[n];
        _since = new long[n];
        Array.Fill(_last, long.MinValue);
    }

    /// <summary>True when a line may be written now; <paramref name="count"/> is the number of drops it reports.</summary>
    public bool ShouldLog(DhcpDropReason reason, out long count)
    {
        var i = (int)reason;
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            _since[i]++;
            if (_last[i] != long.MinValue && _time.GetElapsedTime(_last[i], now) < _interval)
            {
                count = 0;
                return false;
            }

            _last[i] = now;
            count = _since[i];
            _since[i] = 0;
            return true;
        }
    }
}
