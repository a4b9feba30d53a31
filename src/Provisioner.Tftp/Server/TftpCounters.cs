namespace Provisioner.Tftp.Server;

/// <summary>A point-in-time copy of the server's counters.</summary>
public sealed record TftpCounterSnapshot
{
    /// <summary>Datagrams received on the listening port.</summary>
    public long RequestsReceived { get; init; }

    /// <summary>Transfers started (file found, options negotiated).</summary>
    public long TransfersStarted { get; init; }

    /// <summary>Transfers running now.</summary>
    public long TransfersActive { get; init; }

    /// <summary>Requests ended, per outcome (refused requests included).</summary>
    public required IReadOnlyDictionary<TftpTransferOutcome, long> Outcomes { get; init; }

    /// <summary>Payload bytes sent, first transmissions only.</summary>
    public long BytesSent { get; init; }

    /// <summary>DATA packets sent, retransmissions included.</summary>
    public long DataPacketsSent { get; init; }

    /// <summary>Packets sent again after a timeout.</summary>
    public long Retransmissions { get; init; }

    /// <summary>ERROR packets sent, per code.</summary>
    public required IReadOnlyDictionary<Protocol.TftpErrorCode, long> ErrorsSent { get; init; }

    /// <summary>Datagrams dropped or refused, per reason.</summary>
    public required IReadOnlyDictionary<TftpDropReason, long> Drops { get; init; }

    /// <summary>Socket errors the loops survived.</summary>
    public long SocketErrors { get; init; }
}

/// <summary>Lock-free counters shared by the listener and the transfers.</summary>
internal sealed class TftpCounters
{
    private readonly long[] _outcomes = new long[Enum.GetValues<TftpTransferOutcome>().Length];
    private readonly long[] _errors = new long[9];
    private readonly long[] _drops = new long[Enum.GetValues<TftpDropReason>().Length];
    private long _requests, _started, _active, _bytes, _dataPackets, _retransmissions, _socketErrors;

    public void Request() => Interlocked.Increment(ref _requests);

    public void Started()
    {
        Interlocked.Increment(ref _started);
        Interlocked.Increment(ref _active);
    }

    public void Finished() => Interlocked.Decrement(ref _active);

    public void Outcome(TftpTransferOutcome outcome) => Interlocked.Increment(ref _outcomes[(int)outcome]);

    public void Bytes(long n) => Interlocked.Add(ref _bytes, n);

    public void DataPacket() => Interlocked.Increment(ref _dataPackets);

    public void Retransmission(long n = 1) => Interlocked.Add(ref _retransmissions, n);

    public void ErrorSent(Protocol.TftpErrorCode code)
    {
        var i = (int)code;
        if ((uint)i < (uint)_errors.Length)
        {
            Interlocked.Increment(ref _errors[i]);
        }
    }

    public void Drop(TftpDropReason reason) => Interlocked.Increment(ref _drops[(int)reason]);

    public void SocketError() => Interlocked.Increment(ref _socketErrors);

    public TftpCounterSnapshot Snapshot() => new()
    {
        RequestsReceived = Interlocked.Read(ref _requests),
        TransfersStarted = Interlocked.Read(ref _started),
        TransfersActive = Interlocked.Read(ref _active),
        Outcomes = Enum.GetValues<TftpTransferOutcome>().ToDictionary(o => o, o => Interlocked.Read(ref _outcomes[(int)o])),
        BytesSent = Interlocked.Read(ref _bytes),
        DataPacketsSent = Interlocked.Read(ref _dataPackets),
        Retransmissions = Interlocked.Read(ref _retransmissions),
        ErrorsSent = Enumerable.Range(0, _errors.Length).ToDictionary(i => (Protocol.TftpErrorCode)i, i => Interlocked.Read(ref _errors[i])),
        Drops = Enum.GetValues<TftpDropReason>().ToDictionary(r => r, r => Interlocked.Read(ref _drops[(int)r])),
        SocketErrors = Interlocked.Read(ref _socketErrors),
    };
}
