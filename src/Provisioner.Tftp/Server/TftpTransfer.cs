using System.Buffers;
using System.Net;
using Provisioner.Net;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Protocol;

namespace Provisioner.Tftp.Server;

/// <summary>
/// One read transfer on its own port (its TID, RFC 1350 §4). Sends a window of DATA blocks (RFC 7440; a window
/// of 1 is plain lock-step), waits for the ACK with a timeout, and goes on from the block after the one
/// acknowledged. Only an ACK that moves the window forward, or a timeout, causes a send: a duplicate ACK never
/// does, which is what keeps the Sorcerer's Apprentice syndrome (RFC 1123 §4.2.3.1) away.
/// </summary>
internal sealed class TftpTransfer
{
    // Four known options with values of at most 20 digits: well under this.
    private const int MaxOackLength = 256;

    private static readonly TimeSpan MinimumTimerDue = TimeSpan.FromMilliseconds(1);

    private readonly IDatagramChannel _channel;
    private readonly IPEndPoint _client;
    private readonly ITftpFile _file;
    private readonly TftpNegotiatedOptions _negotiated;
    private readonly TftpServerContext _server;
    private readonly long _totalBlocks;
    private readonly int _packetSize;
    private readonly int _blocksPerRun;
    private readonly byte[] _sendBuffer;
    private readonly byte[] _receiveBuffer;

    // Blocks are counted from 1 as 64-bit numbers; on the wire they are the low 16 bits, so they roll over
    // from 65535 to 0 (as tftp-hpa, atftp, curl and iPXE expect) and a 100 MB file at blksize 512 just works.
    private long _lastAcked;
    private long _highestSent;
    private bool _awaitingOackAck;
    private long _stamp;
    private int _retries;
    private CancellationTokenSource? _timeoutSource;
    private ITimer? _timer;

    public TftpTransfer(TftpServerContext server, IDatagramChannel channel, IPEndPoint client, ITftpFile file, TftpNegotiatedOptions negotiated)
    {
        _server = server;
        _channel = channel;
        _client = client;
        _file = file;
        _negotiated = negotiated;
        _totalBlocks = (file.Length / negotiated.BlockSize) + 1; // the last block is short, possibly empty
        // A window goes out in runs of consecutive DATA packets laid end to end (one send each, see
        // IDatagramChannel.SendSegmentsAsync). The same buffer carries the OACK, which may be longer than a tiny
        // block (blksize 8 + tsize).
        _packetSize = negotiated.BlockSize + TftpPacketWriter.DataHeaderLength;
        _blocksPerRun = (int)Math.Min(negotiated.WindowSize, DatagramSegments.PerRun(_packetSize));
        _sendBuffer = ArrayPool<byte>.Shared.Rent(Math.Max(_blocksPerRun * _packetSize, MaxOackLength));
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(1024);
    }

    /// <summary>Payload bytes sent the first time.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Packets sent again after timeouts.</summary>
    public long Retransmissions { get; private set; }

    /// <summary>The error text received from the client, if it aborted.</summary>
    public string? Detail { get; private set; }

    /// <summary>Runs the transfer to its end and returns how it ended. Never throws for network trouble.</summary>
    public async Task<TftpTransferOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var time = _server.Time;
        // One timer per transfer, not one per packet: sending only stamps the time; the timer checks the stamp
        // when it fires and cancels the pending receive only once the transfer has really been quiet for the timeout.
        _timeoutSource = new CancellationTokenSource();
        _timer = time.CreateTimer(static s => ((TftpTransfer)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var shutdown = cancellationToken.UnsafeRegister(static s => ((TftpTransfer)s!).CancelReceive(), this);
        try
        {
            StampAndArmTimer();
            if (_negotiated.Acknowledged.Count > 0)
            {
                // RFC 2347: the OACK is answered by ACK 0, and data starts after it.
                _awaitingOackAck = true;
                await SendOackAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await SendWindowAsync(1, cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                ReceivedDatagram received;
                try
                {
                    received = await _channel.ReceiveAsync(_receiveBuffer, Volatile.Read(ref _timeoutSource)!.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    RenewTimeoutSource();
                    if (time.GetElapsedTime(Volatile.Read(ref _stamp)) < _negotiated.Timeout)
                    {
                        ArmTimer(); // progress raced with the timer: not a timeout
                        continue;
                    }

                    // The retransmission timeout (RFC 1350 §2; RFC 2349 "timeout").
                    if (++_retries > _server.Options.MaxRetries)
                    {
                        return TftpTransferOutcome.TimedOut;
                    }

                    StampAndArmTimer();
                    await ResendAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (Exception e) when (SocketErrors.Classify(e) is SocketErrorTier.PerPacket or SocketErrorTier.ResourcePressure)
                {
                    // ICMP noise or a full buffer: the timeout resends if something was lost.
                    _server.Counters.SocketError();
                    continue;
                }

                var outcome = await OnDatagramAsync(received, cancellationToken).ConfigureAwait(false);
                if (outcome is { } done)
                {
                    return done;
                }
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested || SocketErrors.Classify(e) == SocketErrorTier.Closed)
        {
            return TftpTransferOutcome.Cancelled;
        }
        finally
        {
            _timer.Dispose();
            _timeoutSource.Dispose();
            ArrayPool<byte>.Shared.Return(_sendBuffer);
            ArrayPool<byte>.Shared.Return(_receiveBuffer);
        }
    }

    private void OnTimer()
    {
        // Runs on a timer thread: it must never throw (that would end the process).
        try
        {
            var quiet = _server.Time.GetElapsedTime(Volatile.Read(ref _stamp));
            if (quiet >= _negotiated.Timeout)
            {
                CancelReceive();
            }
            else
            {
                _timer!.Change(_negotiated.Timeout - quiet, Timeout.InfiniteTimeSpan);
            }
        }
        catch (ObjectDisposedException)
        {
            // the transfer ended meanwhile
        }
    }

    // Armed before the first send and before each resend, not after: once a packet is out, the client (or a test's
    // clock) may move on at once, and a timer armed late would be due a whole timeout after the packet it guards.
    private void StampAndArmTimer()
    {
        Volatile.Write(ref _stamp, _server.Time.GetTimestamp());
        ArmTimer();
    }

    // Due one timeout after the last send's stamp, not after now: the timer may be re-armed a while after the packets
    // left (a busy machine), and the client's clock started when they did.
    private void ArmTimer()
    {
        var remaining = _negotiated.Timeout - _server.Time.GetElapsedTime(Volatile.Read(ref _stamp));
        _timer!.Change(remaining > MinimumTimerDue ? remaining : MinimumTimerDue, Timeout.InfiniteTimeSpan);
    }

    private void CancelReceive()
    {
        try
        {
            Volatile.Read(ref _timeoutSource)!.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the transfer ended meanwhile
        }
    }

    private void RenewTimeoutSource()
    {
        var old = _timeoutSource!;
        if (!old.TryReset())
        {
            Volatile.Write(ref _timeoutSource, new CancellationTokenSource());
            old.Dispose();
        }
    }

    private async ValueTask<TftpTransferOutcome?> OnDatagramAsync(ReceivedDatagram received, CancellationToken cancellationToken)
    {
        var packet = _receiveBuffer.AsMemory(0, received.Length);
        if (!received.Remote.Equals(_client))
        {
            // RFC 1350 §4: a packet from a foreign TID gets error 5, and the transfer goes on undisturbed.
            // An ERROR from a stranger is not answered (no error ping-pong).
            _server.Drop(TftpDropReason.UnknownTransferId, received.Remote, received.Length, null);
            if (received.Length < 2 || TftpPacketReader.ReadOpcode(packet.Span) != TftpOpcode.Error)
            {
                await SendErrorAsync(received.Remote, TftpErrorCode.UnknownTransferId, "Unknown transfer ID", cancellationToken).ConfigureAwait(false);
            }

            return null;
        }

        if (received.Length < 4)
        {
            _server.Drop(TftpDropReason.Malformed, received.Remote, received.Length, "shorter than 4 bytes");
            return null;
        }

        switch (TftpPacketReader.ReadOpcode(packet.Span))
        {
            case TftpOpcode.Ack:
                return await OnAckAsync(TftpPacketReader.ReadAck(packet.Span), cancellationToken).ConfigureAwait(false);
            case TftpOpcode.Error:
                // RFC 2347: a client that does not like the OACK answers with an ERROR (usually 8); either way, it is over.
                var (code, message) = TftpPacketReader.ReadError(packet.Span);
                Detail = $"client error {(ushort)code}: {message}";
                return TftpTransferOutcome.ClientAborted;
            default:
                _server.Drop(TftpDropReason.UnexpectedOnTransfer, received.Remote, received.Length, null);
                return null;
        }
    }

    private async ValueTask<TftpTransferOutcome?> OnAckAsync(ushort block, CancellationToken cancellationToken)
    {
        if (_awaitingOackAck)
        {
            if (block != 0)
            {
                _server.Drop(TftpDropReason.AckForUnsentBlock, _client, 4, $"ACK {block} before ACK 0 of the OACK");
                return null;
            }

            _awaitingOackAck = false;
            _retries = 0;
            await SendWindowAsync(1, cancellationToken).ConfigureAwait(false);
            return null;
        }

        // Map the 16-bit number onto the blocks in flight, (_lastAcked, _highestSent]. The window is at most
        // 65535 blocks, so at most one block in that range has these low 16 bits.
        var ahead = (ushort)(block - (ushort)_lastAcked);
        if (ahead == 0)
        {
            _server.Drop(TftpDropReason.DuplicateAck, _client, 4, null);
            return null;
        }

        if (ahead > _highestSent - _lastAcked)
        {
            // Behind the window (a late copy of an old ACK) or ahead of anything sent: ignored either way.
            var old = ahead >= 0x8000;
            _server.Drop(old ? TftpDropReason.DuplicateAck : TftpDropReason.AckForUnsentBlock, _client, 4, $"ACK {block}");
            return null;
        }

        _lastAcked += ahead;
        _retries = 0;
        if (_lastAcked == _totalBlocks)
        {
            return TftpTransferOutcome.Completed;
        }

        // RFC 7440 §4: after an ACK (the window's last block, or an earlier one when the client saw a gap),
        // the next window starts right after the acknowledged block.
        await SendWindowAsync(_lastAcked + 1, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private ValueTask ResendAsync(CancellationToken cancellationToken)
    {
        if (_awaitingOackAck)
        {
            Retransmissions++;
            _server.Counters.Retransmission();
            return SendOackAsync(cancellationToken);
        }

        return SendWindowAsync(_lastAcked + 1, cancellationToken);
    }

    private async ValueTask SendOackAsync(CancellationToken cancellationToken)
    {
        var n = TftpPacketWriter.WriteOptionAck(_sendBuffer, _negotiated.Acknowledged);
        Volatile.Write(ref _stamp, _server.Time.GetTimestamp());
        await SendAsync(_client, _sendBuffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask SendWindowAsync(long first, CancellationToken cancellationToken)
    {
        var last = Math.Min(first + _negotiated.WindowSize - 1, _totalBlocks);
        var blockSize = _negotiated.BlockSize;
        Volatile.Write(ref _stamp, _server.Time.GetTimestamp()); // before the sends: the client may answer at once
        var block = first;
        while (block <= last)
        {
            // Lay out up to _blocksPerRun packets end to end; only the run's last packet may be short.
            var length = 0;
            var runStart = block;
            while (block <= last && block - runStart < _blocksPerRun)
            {
                var payload = _sendBuffer.AsMemory(length + TftpPacketWriter.DataHeaderLength, blockSize);
                var n = await _file.ReadAsync((block - 1) * blockSize, payload, cancellationToken).ConfigureAwait(false);
                TftpPacketWriter.WriteDataHeader(_sendBuffer.AsSpan(length), (ushort)block);
                length += TftpPacketWriter.DataHeaderLength + n;
                CountData(block, n);
                block++;
                if (n < blockSize)
                {
                    break;
                }
            }

            var run = _sendBuffer.AsMemory(0, length);
            if (block - runStart == 1)
            {
                await SendAsync(_client, run, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await SendSegmentsAsync(run, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void CountData(long block, int length)
    {
        _server.Counters.DataPacket();
        if (block > _highestSent)
        {
            _highestSent = block;
            BytesSent += length;
            _server.Counters.Bytes(length);
        }
        else
        {
            Retransmissions++;
            _server.Counters.Retransmission();
        }
    }

    private async ValueTask SendErrorAsync(IPEndPoint to, TftpErrorCode code, string message, CancellationToken cancellationToken)
    {
        var buffer = new byte[5 + message.Length];
        var n = TftpPacketWriter.WriteError(buffer, code, message);
        await SendAsync(to, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        _server.Counters.ErrorSent(code);
    }

    private async ValueTask SendSegmentsAsync(ReadOnlyMemory<byte> run, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.SendSegmentsAsync(_client, run, _packetSize, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (SocketErrors.Classify(e) is SocketErrorTier.PerPacket or SocketErrorTier.ResourcePressure)
        {
            _server.Counters.SocketError(); // as for one packet: the retransmission timeout covers it
        }
    }

    private async ValueTask SendAsync(IPEndPoint to, ReadOnlyMemory<byte> packet, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.SendAsync(to, packet, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (SocketErrors.Classify(e) is SocketErrorTier.PerPacket or SocketErrorTier.ResourcePressure)
        {
            // Lost like any datagram: the retransmission timeout covers it.
            _server.Counters.SocketError();
        }
    }
}
