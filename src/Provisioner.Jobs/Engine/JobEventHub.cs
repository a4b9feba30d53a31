using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Provisioner.Jobs.Engine;

/// <summary>
/// Fans job events out to live subscribers (dashboard SSE, CLI). A subscriber that falls behind loses progress
/// events once its backlog passes <see cref="ProgressBacklogLimit"/>, never state changes or log lines.
/// </summary>
public sealed class JobEventHub
{
    private readonly Lock _gate = new();
    private Channel<JobEvent>[] _subscribers = [];
    private long _droppedProgress;

    public int ProgressBacklogLimit { get; init; } = 256;

    /// <summary>Progress events dropped because a subscriber was slow.</summary>
    public long DroppedProgress => Interlocked.Read(ref _droppedProgress);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    public void Publish(JobEvent jobEvent, bool progress)
    {
        foreach (var s in Volatile.Read(ref _subscribers))
        {
            if (progress && s.Reader.Count >= ProgressBacklogLimit)
            {
                Interlocked.Increment(ref _droppedProgress);
                continue;
            }

            s.Writer.TryWrite(jobEvent);
        }
    }

    public async IAsyncEnumerable<JobEvent> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<JobEvent>(); // not SingleReader: that variant cannot report Count
        lock (_gate)
        {
            _subscribers = [.. _subscribers, channel];
        }

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var e))
                {
                    yield return e;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers = _subscribers.Where(c => c != channel).ToArray();
            }
        }
    }
}
