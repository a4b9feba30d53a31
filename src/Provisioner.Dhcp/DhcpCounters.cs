using Provisioner.Dhcp.Protocol;

namespace Provisioner.Dhcp;

/// <summary>Why a datagram got no answer. Values are stable counter names.</summary>
public enum DhcpDropReason
{
    Truncated,
    BadCookie,
    BadHardwareLength,
    OptionTruncated,
    OverloadLoop,
    BadOptionLength,
    Oversize,
    /// <summary>op is not BOOTREQUEST.</summary>
    NotRequest,
    /// <summary>No option 53 (plain BOOTP is not served).</summary>
    NoMessageType,
    /// <summary>A message type servers do not accept (OFFER, ACK, NAK…).</summary>
    UnexpectedMessageType,
    /// <summary>No scope for the interface, relay or client address.</summary>
    NoScope,
    /// <summary>No server address is known for the arrival interface.</summary>
    NoServerAddress,
    /// <summary>The client chose another server, or the message names another server.</summary>
    NotForUs,
    /// <summary>The boot policy said ignore (unknown client with discovery off…).</summary>
    PolicyIgnored,
    /// <summary>Too many DISCOVERs from one client.</summary>
    RateLimited,
    /// <summary>The processing queue was full.</summary>
    QueueFull,
    /// <summary>No free address in the scope.</summary>
    PoolExhausted,
    /// <summary>proxyDHCP: not a PXE client.</summary>
    NotPxeClient,
    /// <summary>The reply would not fit the client's maximum message size.</summary>
    ReplyTooLarge,
    /// <summary>The lease store failed to commit; the ACK was withheld.</summary>
    CommitFailed,
    /// <summary>Sending the reply failed.</summary>
    SendFailed,
    /// <summary>The client is one of <see cref="DhcpServerOptions.IgnoredClients"/>.</summary>
    IgnoredClient,
}

/// <summary>A point-in-time copy of the counters (for the API and logs).</summary>
public sealed record DhcpCountersSnapshot(
    IReadOnlyDictionary<DhcpMessageType, long> Received,
    IReadOnlyDictionary<DhcpMessageType, long> Sent,
    IReadOnlyDictionary<DhcpDropReason, long> Dropped,
    long LeasesActive)
{
    /// <summary>Sum of all drops.</summary>
    public long TotalDropped => Dropped.Values.Sum();
}

/// <summary>Lock-free counters per message type and per drop reason.</summary>
public sealed class DhcpCounters
{
    private static readonly int s_reasons = Enum.GetValues<DhcpDropReason>().Length;
    private readonly long[] _received = new long[256];
    private readonly long[] _sent = new long[256];
    private readonly long[] _dropped = new long[s_reasons];
    private long _leasesActive;

    internal void Received(DhcpMessageType type) => Interlocked.Increment(ref _received[(byte)type]);

    internal void Sent(DhcpMessageType type) => Interlocked.Increment(ref _sent[(byte)type]);

    internal void Dropped(DhcpDropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    internal void SetLeasesActive(long count) => Interlocked.Exchange(ref _leasesActive, count);

    /// <summary>Copies the counters; only non-zero entries appear.</summary>
    public DhcpCountersSnapshot Snapshot()
    {
        var rx = new Dictionary<DhcpMessageType, long>();
        var tx = new Dictionary<DhcpMessageType, long>();
        for (var i = 0; i < 256; i++)
        {
            var r = Interlocked.Read(ref _received[i]);
            if (r != 0)
            {
                rx[(DhcpMessageType)i] = r;
            }

            var s = Interlocked.Read(ref _sent[i]);
            if (s != 0)
            {
                tx[(DhcpMessageType)i] = s;
            }
        }

        var drops = new Dictionary<DhcpDropReason, long>();
        for (var i = 0; i < s_reasons; i++)
        {
            var d = Interlocked.Read(ref _dropped[i]);
            if (d != 0)
            {
                drops[(DhcpDropReason)i] = d;
            }
        }

        return new DhcpCountersSnapshot(rx, tx, drops, Interlocked.Read(ref _leasesActive));
    }
}
