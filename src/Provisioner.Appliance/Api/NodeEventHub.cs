using System.Threading.Channels;
using Provisioner.Core.Inventory;

namespace Provisioner.Appliance.Api;

/// <summary>A node changed (state, power, fields): what the dashboard's rack view and node page redraw from.</summary>
public sealed record NodeChange(Guid Id, string Hostname, Guid BpodId, int? Slot, string State, string PowerState, long Version, DateTimeOffset At)
{
    public static NodeChange From(Node n, DateTimeOffset at) =>
        new(n.Id, n.Hostname, n.BpodId, n.Slot, ApiNames.Of(n.State), ApiNames.Of(n.PowerState), n.Version, at);
}

/// <summary>
/// In-process fan-out of node changes to Server-Sent Event streams. Each subscriber has a small bounded buffer that
/// drops its oldest entries: a stalled browser tab never holds memory, and a node's latest change is always the last one.
/// Anything else that changes nodes (boot handlers, job workflows) may publish here too.
/// </summary>
public sealed class NodeEventHub
{
    private readonly object _gate = new();
    private readonly List<Channel<NodeChange>> _subscribers = [];

    public void Publish(NodeChange change)
    {
        Channel<NodeChange>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var s in subscribers)
        {
            s.Writer.TryWrite(change);
        }
    }

    public async IAsyncEnumerable<NodeChange> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<NodeChange>(new BoundedChannelOptions(512) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }
}
