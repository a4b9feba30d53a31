using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Provisioner.Core.Boot;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;

namespace Provisioner.Boot.Timeline;

/// <summary>
/// Records boot events (DHCP, TFTP, HTTP, agent) on the nodes' timelines. Protocol servers call <see cref="Record"/>
/// on their hot path, so it never waits for the database: events go through a bounded queue to a background writer;
/// when the queue is full the event is dropped and counted rather than slowing down a DHCP storm.
/// </summary>
public sealed partial class BootTimeline
{
    private readonly Channel<BootEvent> _queue = Channel.CreateBounded<BootEvent>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly IBootEventRepository _events;
    private readonly INodeRepository _nodes;
    private readonly TimeProvider _time;
    private readonly ILogger<BootTimeline> _logger;
    private long _dropped;
    private long _written;

    public BootTimeline(IBootEventRepository events, INodeRepository nodes, TimeProvider time, ILogger<BootTimeline> logger)
    {
        _events = events;
        _nodes = nodes;
        _time = time;
        _logger = logger;
    }

    /// <summary>Events dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events written to the store.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Queues an event; never blocks. <paramref name="details"/> is serialised as JSON.</summary>
    public void Record(BootEventSource source, string kind, string summary, MacAddress? mac = null, Guid? nodeId = null, object? details = null)
    {
        var e = new BootEvent
        {
            At = _time.GetUtcNow(),
            Source = source,
            Kind = kind,
            Summary = summary,
            Mac = mac,
            NodeId = nodeId,
            DetailsJson = details is null ? null : JsonSerializer.Serialize(details, details.GetType()),
        };
        if (!_queue.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Writes queued events until cancelled, then drains what is left.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var e))
                {
                    await WriteAsync(e, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            while (_queue.Reader.TryRead(out var e))
            {
                await WriteAsync(e, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits until every event queued so far is written (tests and shutdown).</summary>
    public async Task FlushAsync(TimeSpan timeout)
    {
        var deadline = _time.GetUtcNow() + timeout;
        while (_queue.Reader.Count > 0 && _time.GetUtcNow() < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private async Task WriteAsync(BootEvent e, CancellationToken cancellationToken)
    {
        try
        {
            if (e.NodeId is null && e.Mac is { } mac)
            {
                var node = await _nodes.FindByMacAsync(mac, cancellationToken).ConfigureAwait(false);
                e = e with { NodeId = node?.Id };
            }

            await _events.AppendAsync(e, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _written);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Interlocked.Increment(ref _dropped);
            LogWriteFailed(_logger, e.Kind, ex.Message);
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Boot event {Kind} could not be stored: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string kind, string error);
}
