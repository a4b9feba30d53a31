using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Net;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Protocol;
using Provisioner.Tftp.Server;
using Provisioner.Tftp.Transport;

namespace Provisioner.Tftp;

/// <summary>
/// A read-only TFTP server (RFC 1350) with option negotiation (RFC 2347), blksize (RFC 2348), timeout and tsize
/// (RFC 2349) and windowsize (RFC 7440). One listening channel takes requests; every transfer runs on its own
/// channel (its own port, the TID of RFC 1350 §4) as an asynchronous task: no thread per transfer.
/// Write requests are refused. Bad datagrams are answered or dropped as the RFCs say, and counted.
/// </summary>
public sealed class TftpServer
{
    private readonly IDatagramChannel _listener;
    private readonly Func<IPEndPoint, IDatagramChannel> _transferChannelFactory;
    private readonly ITftpFileSource _files;
    private readonly ITftpObserver? _observer;
    private readonly Func<int, int?>? _interfaceMtu;
    private readonly TftpServerContext _context;
    private readonly ConcurrentDictionary<long, Task> _running = new();
    private readonly ConcurrentDictionary<IPEndPoint, string> _clients = new();
    private long _nextId;
    private int _active;

    /// <summary>Creates the server; nothing happens until <see cref="RunAsync"/>.</summary>
    /// <param name="options">Limits and timeouts.</param>
    /// <param name="listener">The channel requests arrive on (port 69 in production).</param>
    /// <param name="transferChannelFactory">Creates the channel of one transfer, bound to the given address: the
    /// request's local address and port 0 (an ephemeral port, the transfer's TID). Tests wrap it to create sockets
    /// inside a network namespace.</param>
    /// <param name="files">Where files come from.</param>
    /// <param name="observer">Told about every transfer (boot timeline); optional.</param>
    /// <param name="timeProvider">Clock for timeouts; the system clock by default.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <param name="interfaceMtu">MTU of an interface by index (from the request's IP_PKTINFO), to cap blksize
    /// at MTU - 32 so no DATA packet is fragmented; optional.</param>
    public TftpServer(
        TftpServerOptions options,
        IDatagramChannel listener,
        Func<IPEndPoint, IDatagramChannel> transferChannelFactory,
        ITftpFileSource files,
        ITftpObserver? observer = null,
        TimeProvider? timeProvider = null,
        ILogger<TftpServer>? logger = null,
        Func<int, int?>? interfaceMtu = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _listener = listener ?? throw new ArgumentNullException(nameof(listener));
        _transferChannelFactory = transferChannelFactory ?? throw new ArgumentNullException(nameof(transferChannelFactory));
        _files = files ?? throw new ArgumentNullException(nameof(files));
        _observer = observer;
        _interfaceMtu = interfaceMtu;
        _context = new TftpServerContext(options, timeProvider ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance);
    }

    /// <summary>Transfers running now.</summary>
    public int ActiveTransfers => Volatile.Read(ref _active);

    /// <summary>A copy of the counters: requests, transfers, bytes, errors per code, drops per reason.</summary>
    public TftpCounterSnapshot GetCounters() => _context.Counters.Snapshot();

    /// <summary>Serves until <paramref name="cancellationToken"/> is cancelled, then stops the running transfers and waits for them.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        TftpLog.Listening(_context.Logger, _listener.LocalEndPoint);
        // Big enough for any datagram: a request longer than 512 bytes (RFC 2347 allows clients to exceed it) is still read whole.
        var buffer = new byte[65536];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ReceivedDatagram received;
                try
                {
                    received = await _listener.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    var tier = SocketErrors.Classify(e);
                    if (tier == SocketErrorTier.Closed || cancellationToken.IsCancellationRequested)
                    {
                        break;
                    }

                    _context.Counters.SocketError();
                    if (tier == SocketErrorTier.Fatal)
                    {
                        TftpLog.ListenerFailed(_context.Logger, e, _listener.LocalEndPoint);
                        throw;
                    }

                    if (tier == SocketErrorTier.ResourcePressure)
                    {
                        TftpLog.SocketError(_context.Logger, e, tier, _listener.LocalEndPoint);
                        await Task.Delay(TimeSpan.FromMilliseconds(100), _context.Time, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                _context.Counters.Request();
                await OnDatagramAsync(buffer.AsMemory(0, received.Length), received, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutdown
        }
        finally
        {
            var running = _running.Values.ToArray();
            TftpLog.Stopped(_context.Logger, running.Length);
            // Transfers watch the same token and end within one receive; bound the wait anyway.
            await Task.WhenAny(Task.WhenAll(running), Task.Delay(TimeSpan.FromSeconds(10), _context.Time, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private async ValueTask OnDatagramAsync(ReadOnlyMemory<byte> packet, ReceivedDatagram received, CancellationToken cancellationToken)
    {
        var from = received.Remote;
        if (from.Port == 0 || from.Address.Equals(IPAddress.Broadcast) || IsMulticast(from.Address))
        {
            _context.Drop(TftpDropReason.InvalidSource, from, packet.Length, null);
            return;
        }

        if (packet.Length < 2)
        {
            _context.Drop(TftpDropReason.Malformed, from, packet.Length, "shorter than an opcode");
            return;
        }

        var opcode = TftpPacketReader.ReadOpcode(packet.Span);
        switch (opcode)
        {
            case TftpOpcode.ReadRequest or TftpOpcode.WriteRequest:
                break;
            case TftpOpcode.Data or TftpOpcode.Ack or TftpOpcode.Error or TftpOpcode.OptionAck:
                // Late packets of finished transfers land here; answering them would only add noise.
                _context.Drop(TftpDropReason.NotARequest, from, packet.Length, opcode.ToString());
                return;
            default:
                _context.Drop(TftpDropReason.UnknownOpcode, from, packet.Length, $"opcode {(ushort)opcode}");
                await SendErrorAsync(from, TftpErrorCode.IllegalOperation, "Illegal TFTP operation", cancellationToken).ConfigureAwait(false);
                return;
        }

        TftpRequest request;
        try
        {
            request = TftpPacketReader.ReadRequest(packet.Span);
        }
        catch (TftpProtocolException e)
        {
            _context.Drop(TftpDropReason.Malformed, from, packet.Length, e.Message);
            await SendErrorAsync(from, TftpErrorCode.IllegalOperation, "Malformed request", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (_clients.TryGetValue(from, out var current) && current == request.FileName)
        {
            // The client repeated its request before our first answer reached it; the running transfer retransmits.
            _context.Drop(TftpDropReason.DuplicateRequest, from, packet.Length, request.FileName);
            return;
        }

        if (Interlocked.Increment(ref _active) > _context.Options.MaxTransfers)
        {
            Interlocked.Decrement(ref _active);
            _context.Drop(TftpDropReason.ServerBusy, from, packet.Length, request.FileName);
            await RefuseAsync(request, from, _context.Time.GetUtcNow(), TftpTransferOutcome.ServerError, TftpErrorCode.NotDefined, "Server busy", cancellationToken).ConfigureAwait(false);
            return;
        }

        var id = Interlocked.Increment(ref _nextId);
        _clients[from] = request.FileName;
        var local = received.LocalAddress is { } a && !a.Equals(IPAddress.Any) ? a : _listener.LocalEndPoint.Address;
        // Off the listener loop: opening the file and negotiating must not delay the next request.
        var task = Task.Run(() => ServeGuardedAsync(request, from, local, received.InterfaceIndex, cancellationToken), CancellationToken.None);
        _running[id] = task;
        _ = task.ContinueWith(
            (_, state) =>
            {
                var (server, key, client) = ((TftpServer, long, IPEndPoint))state!;
                server._running.TryRemove(key, out Task? _);
                server._clients.TryRemove(client, out string? _);
                Interlocked.Decrement(ref server._active);
            },
            (this, id, from),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task ServeGuardedAsync(TftpRequest request, IPEndPoint client, IPAddress localAddress, int interfaceIndex, CancellationToken cancellationToken)
    {
        try
        {
            await ServeAsync(request, client, localAddress, interfaceIndex, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A failing source or a broken file must cost one request, never the server.
            TftpLog.TransferFailed(_context.Logger, e, client, request.FileName);
            _context.Counters.Outcome(TftpTransferOutcome.ServerError);
        }
        catch (OperationCanceledException)
        {
            // shutdown
        }
    }

    private async Task ServeAsync(TftpRequest request, IPEndPoint client, IPAddress localAddress, int interfaceIndex, CancellationToken cancellationToken)
    {
        var startedAt = _context.Time.GetUtcNow();
        var stamp = _context.Time.GetTimestamp();
        if (request.Opcode == TftpOpcode.WriteRequest)
        {
            await RefuseAsync(request, client, startedAt, TftpTransferOutcome.AccessDenied, TftpErrorCode.AccessViolation, "Read-only server", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (request.Mode == TftpTransferMode.Unsupported)
        {
            await RefuseAsync(request, client, startedAt, TftpTransferOutcome.IllegalOperation, TftpErrorCode.IllegalOperation, $"Unsupported mode {request.ModeText}", cancellationToken).ConfigureAwait(false);
            return;
        }

        var path = TftpPath.Normalize(request.FileName, _context.Options.AllowLeadingSlash, out var refusal);
        if (path is null)
        {
            await RefuseAsync(request, client, startedAt, TftpTransferOutcome.AccessDenied, TftpErrorCode.AccessViolation, "Access violation", cancellationToken, refusal).ConfigureAwait(false);
            return;
        }

        TftpOpenResult opened;
        try
        {
            opened = await _files.OpenAsync(path, client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            TftpLog.SourceFailed(_context.Logger, e, client, path);
            await RefuseAsync(request, client, startedAt, TftpTransferOutcome.ServerError, TftpErrorCode.NotDefined, "Cannot read file", cancellationToken, e.Message).ConfigureAwait(false);
            return;
        }

        if (opened.Status != TftpOpenStatus.Found)
        {
            var notFound = opened.Status == TftpOpenStatus.NotFound;
            await RefuseAsync(
                request, client, startedAt,
                notFound ? TftpTransferOutcome.NotFound : TftpTransferOutcome.AccessDenied,
                notFound ? TftpErrorCode.FileNotFound : TftpErrorCode.AccessViolation,
                opened.Message ?? (notFound ? "File not found" : "Access violation"),
                cancellationToken, path).ConfigureAwait(false);
            return;
        }

        var file = opened.File!;
        try
        {
            var fileSize = file.Length;
            if (request.Mode == TftpTransferMode.Netascii)
            {
                if (file.Length > _context.Options.MaxNetasciiFileSize)
                {
                    await RefuseAsync(request, client, startedAt, TftpTransferOutcome.ServerError, TftpErrorCode.DiskFull, "File too large for netascii", cancellationToken, path).ConfigureAwait(false);
                    return;
                }

                var converted = await NetasciiEncoder.EncodeAsync(file, cancellationToken).ConfigureAwait(false);
                file.Dispose();
                file = new MemoryTftpFile(converted);
            }

            var mtu = _interfaceMtu?.Invoke(interfaceIndex);
            var cap = mtu is > 68 ? mtu - 32 : null; // IPv4 20 + UDP 8 + TFTP 4
            var negotiation = TftpNegotiation.Negotiate(request, _context.Options, file.Length, cap);
            if (negotiation.Options is not { } negotiated)
            {
                await RefuseAsync(request, client, startedAt, TftpTransferOutcome.OptionsRefused, TftpErrorCode.OptionNegotiationRefused, "Option negotiation refused", cancellationToken, negotiation.RefusedReason).ConfigureAwait(false);
                return;
            }

            IDatagramChannel channel;
            try
            {
                channel = _transferChannelFactory(new IPEndPoint(localAddress, 0));
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
            {
                _context.Counters.SocketError();
                await RefuseAsync(request, client, startedAt, TftpTransferOutcome.ServerError, TftpErrorCode.NotDefined, "Server busy", cancellationToken, e.Message).ConfigureAwait(false);
                return;
            }

            await using (channel.ConfigureAwait(false))
            {
                _context.Counters.Started();
                TftpLog.TransferStarted(_context.Logger, client, path, fileSize, negotiated.BlockSize, negotiated.WindowSize);
                try
                {
                    _observer?.TransferStarted(client, path, fileSize);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    TftpLog.TransferFailed(_context.Logger, e, client, path);
                }

                var transfer = new TftpTransfer(_context, channel, client, file, negotiated);
                TftpTransferOutcome outcome;
                try
                {
                    outcome = await transfer.RunAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    TftpLog.TransferFailed(_context.Logger, e, client, path);
                    outcome = TftpTransferOutcome.ServerError;
                }
                finally
                {
                    _context.Counters.Finished();
                }

                Report(new TftpTransferRecord(
                    client, request.FileName, path, file.Length, transfer.BytesSent, negotiated.BlockSize, negotiated.WindowSize,
                    startedAt, _context.Time.GetElapsedTime(stamp), outcome, transfer.Retransmissions, transfer.Detail));
            }
        }
        finally
        {
            file.Dispose();
        }
    }

    private async ValueTask RefuseAsync(TftpRequest request, IPEndPoint client, DateTimeOffset startedAt, TftpTransferOutcome outcome,
        TftpErrorCode code, string message, CancellationToken cancellationToken, string? detail = null)
    {
        await SendErrorAsync(client, code, message, cancellationToken).ConfigureAwait(false);
        Report(new TftpTransferRecord(client, request.FileName, null, null, 0, 0, 0, startedAt, _context.Time.GetUtcNow() - startedAt, outcome, 0,
            detail is null ? message : $"{message}: {detail}"));
    }

    private void Report(TftpTransferRecord record)
    {
        _context.Counters.Outcome(record.Outcome);
        TftpLog.TransferEnded(_context.Logger, record.Client, record.FileName, record.Outcome, record.BytesSent,
            (long)record.Duration.TotalMilliseconds, record.Retransmissions, record.Detail);
        try
        {
            _observer?.TransferEnded(record);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            TftpLog.TransferFailed(_context.Logger, e, record.Client, record.FileName);
        }
    }

    // Errors in answer to a request go out of the listening socket: cheaper than a socket per refusal, and
    // every client takes the source of the first answer as the server's TID anyway.
    private async ValueTask SendErrorAsync(IPEndPoint to, TftpErrorCode code, string message, CancellationToken cancellationToken)
    {
        var buffer = new byte[5 + message.Length];
        var n = TftpPacketWriter.WriteError(buffer, code, message);
        try
        {
            await _listener.SendAsync(to, buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            _context.Counters.ErrorSent(code);
        }
        catch (Exception e) when (SocketErrors.Classify(e) is SocketErrorTier.PerPacket or SocketErrorTier.ResourcePressure)
        {
            _context.Counters.SocketError();
        }
    }

    private static bool IsMulticast(IPAddress address)
        => address.AddressFamily == AddressFamily.InterNetwork && (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}
