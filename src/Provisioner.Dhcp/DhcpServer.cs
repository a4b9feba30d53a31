using System.Buffers;
using System.Collections.Frozen;
using System.Net;
using System.Net.NetworkInformation;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.Net;

namespace Provisioner.Dhcp;

/// <summary>
/// DHCPv4 + PXE server. One receive loop per channel feeds a bounded queue; one worker owns all lease state,
/// handles a batch of requests, commits the batch's lease changes in one write, then sends the replies
/// (group commit: an ACK never leaves before its lease is stored).
/// </summary>
public sealed partial class DhcpServer
{
    /// <summary>The proxyDHCP port (PXE spec 2.1 §2.2.2).</summary>
    public const int PxePort = 4011;

    private const int ServerPort = 67;
    private const int ClientPort = 68;

    private readonly DhcpServerOptions _options;
    private readonly FrozenSet<PhysicalAddress> _ignoredClients;
    private readonly IReadOnlyList<IDatagramChannel> _channels;
    private readonly IDhcpScopeSource _scopes;
    private readonly IDhcpBootPolicy _policy;
    private readonly IDhcpLeaseStore _store;
    private readonly IDhcpObserver _observer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaseTable _table = new();
    private readonly Lock _tableGate = new();
    private readonly Dictionary<string, AddressPool> _pools = new(StringComparer.Ordinal);
    private readonly DiscoverRateLimiter _rateLimiter;
    private readonly DropLogLimiter _dropLog;
    private readonly List<DhcpLease> _pendingLeases = [];
    private readonly List<PendingReply> _pendingReplies = [];
    private readonly byte[] _writeBuffer = new byte[DhcpPacketReader.MaxLength];
    private int _started;
    private DateTimeOffset _lastActiveCount;

    public DhcpServer(
        DhcpServerOptions options,
        IReadOnlyList<IDatagramChannel> channels,
        IDhcpScopeSource scopes,
        IDhcpBootPolicy bootPolicy,
        IDhcpLeaseStore leaseStore,
        IDhcpObserver? observer = null,
        TimeProvider? timeProvider = null,
        ILogger<DhcpServer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(channels);
        options.Validate();
        if (channels.Count == 0)
        {
            throw new ArgumentException("At least one channel is needed.", nameof(channels));
        }

        _options = options;
        _ignoredClients = options.IgnoredClients.ToFrozenSet();
        _channels = channels;
        _scopes = scopes ?? throw new ArgumentNullException(nameof(scopes));
        _policy = bootPolicy ?? throw new ArgumentNullException(nameof(bootPolicy));
        _store = leaseStore ?? throw new ArgumentNullException(nameof(leaseStore));
        _observer = observer ?? NullDhcpObserver.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _rateLimiter = new DiscoverRateLimiter(options.DiscoverBurstPerClient, options.DiscoverRatePerClient, _time);
        _dropLog = new DropLogLimiter(options.DropLogInterval, _time);
    }

    /// <summary>Counters per message type and drop reason.</summary>
    public DhcpCounters Counters { get; } = new();

    /// <summary>A copy of the current leases (active, released and declined records).</summary>
    public IReadOnlyList<DhcpLease> GetLeases()
    {
        lock (_tableGate)
        {
            return _table.Entries.Where(e => e.State != LeaseEntryState.Offered || e.LeaseExpires > DateTimeOffset.MinValue)
                .Select(e => e.ToLease()).ToArray();
        }
    }

    /// <summary>Loads the leases, then serves until <paramref name="cancellationToken"/> is cancelled; returns cleanly then.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("RunAsync may be called once.");
        }

        var leases = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
        lock (_tableGate)
        {
            _table.Load(leases);
            Counters.SetLeasesActive(_table.CountActive(_time.GetUtcNow()));
        }

        Log.Started(_logger, _options.Mode, _channels.Count, leases.Count);
        var queue = Channel.CreateBounded<Inbound>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = _channels.Count == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receivers = _channels.Select(c => Task.Run(() => ReceiveLoopAsync(c, queue.Writer, stop.Token), CancellationToken.None)).ToArray();
        var worker = Task.Run(() => WorkerLoopAsync(queue.Reader, stop.Token), CancellationToken.None);
        try
        {
            await Task.WhenAll(receivers).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            queue.Writer.TryComplete();
            await worker.ConfigureAwait(false);
            while (queue.Reader.TryRead(out var left))
            {
                ArrayPool<byte>.Shared.Return(left.Buffer);
            }

            Log.Stopped(_logger);
        }
    }

    private async Task ReceiveLoopAsync(IDatagramChannel channel, ChannelWriter<Inbound> writer, CancellationToken ct)
    {
        // One datagram larger than any DHCP message we accept is received whole and then dropped as oversize.
        var buffer = new byte[65536];
        var backoff = TimeSpan.FromMilliseconds(10);
        while (!ct.IsCancellationRequested)
        {
            ReceivedDatagram received;
            try
            {
                received = await channel.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(10);
            }
            catch (Exception e)
            {
                var tier = SocketErrors.Classify(e);
                switch (tier)
                {
                    case SocketErrorTier.Closed:
                        return;
                    case SocketErrorTier.PerPacket:
                        Log.ReceiveError(_logger, channel.InterfaceName, tier, e);
                        continue;
                    case SocketErrorTier.ResourcePressure:
                        Log.ReceiveError(_logger, channel.InterfaceName, tier, e);
                        try
                        {
                            await Task.Delay(backoff, _time, ct).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }

                        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
                        continue;
                    default:
                        Log.ReceiveFatal(_logger, channel.InterfaceName, e);
                        return;
                }
            }

            if (received.Length > DhcpPacketReader.MaxLength)
            {
                Drop(DhcpDropReason.Oversize, received.Remote, channel, $"{received.Length} bytes");
                continue;
            }

            var copy = ArrayPool<byte>.Shared.Rent(received.Length);
            buffer.AsSpan(0, received.Length).CopyTo(copy);
            if (!writer.TryWrite(new Inbound(channel, received, copy)))
            {
                ArrayPool<byte>.Shared.Return(copy);
                if (ct.IsCancellationRequested)
                {
                    return;
                }

                Drop(DhcpDropReason.QueueFull, received.Remote, channel, "processing queue full");
            }
        }
    }

    private async Task WorkerLoopAsync(ChannelReader<Inbound> reader, CancellationToken ct)
    {
        try
        {
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                var n = 0;
                while (n < _options.MaxBatch && reader.TryRead(out var item))
                {
                    n++;
                    try
                    {
                        await HandleAsync(item, ct).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (ct.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        // A bug on one packet must never stop the server.
                        Log.HandlerFailed(_logger, item.Datagram.Remote, e);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(item.Buffer);
                    }
                }

                await FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // shutdown
        }
    }

    /// <summary>Commits the batch's lease changes, then sends its replies; ACKs are withheld if the commit fails.</summary>
    private async Task FlushAsync(CancellationToken ct)
    {
        var committed = true;
        if (_pendingLeases.Count > 0)
        {
            try
            {
                await _store.CommitAsync(_pendingLeases.ToArray(), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                committed = false;
                Log.CommitFailed(_logger, _pendingReplies.Count(r => r.NeedsCommit), e);
            }

            _pendingLeases.Clear();
            var now = _time.GetUtcNow();
            if (now - _lastActiveCount >= TimeSpan.FromSeconds(1))
            {
                // Counting walks the table: at most once a second, so the snapshot costs nothing per packet.
                _lastActiveCount = now;
                lock (_tableGate)
                {
                    Counters.SetLeasesActive(_table.CountActive(now));
                }
            }
        }

        foreach (var reply in _pendingReplies)
        {
            if (reply.NeedsCommit && !committed)
            {
                Counters.Dropped(DhcpDropReason.CommitFailed);
                continue;
            }

            try
            {
                await reply.Channel.SendAsync(reply.Destination, reply.Payload, ct).ConfigureAwait(false);
                Counters.Sent(reply.Type);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                Counters.Dropped(DhcpDropReason.SendFailed);
                Log.SendFailed(_logger, reply.Destination, e);
            }
        }

        _pendingReplies.Clear();
    }

    private void Drop(DhcpDropReason reason, IPEndPoint remote, IDatagramChannel channel, string detail)
    {
        Counters.Dropped(reason);
        if (_dropLog.ShouldLog(reason, out var count))
        {
            Log.Dropped(_logger, reason, count, remote, channel.InterfaceName, detail);
        }
    }

    private readonly record struct Inbound(IDatagramChannel Channel, ReceivedDatagram Datagram, byte[] Buffer);

    private sealed record PendingReply(IDatagramChannel Channel, IPEndPoint Destination, byte[] Payload, DhcpMessageType Type, bool NeedsCommit);
}
