using System.Collections.Concurrent;

namespace Provisioner.Appliance.Agent;

/// <summary>Callbacks from deployed operating systems (their first boot ran the rendered user-data), awaited by the deploy workflow.</summary>
public sealed class DeployCallbacks(TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, (DateTimeOffset At, IReadOnlyDictionary<string, string> Values)> _last = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<bool>> _waiters = new();

    public void Report(Guid nodeId, IReadOnlyDictionary<string, string> values)
    {
        _last[nodeId] = (time.GetUtcNow(), values);
        if (_waiters.TryRemove(nodeId, out var w))
        {
            w.TrySetResult(true);
        }
    }

    /// <summary>Waits for a callback from <paramref name="nodeId"/> later than <paramref name="after"/>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> WaitAsync(Guid nodeId, DateTimeOffset after, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_last.TryGetValue(nodeId, out var l) && l.At > after)
            {
                return l.Values;
            }

            var w = _waiters.GetOrAdd(nodeId, _ => new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_last.TryGetValue(nodeId, out l) && l.At > after)
            {
                return l.Values;
            }

            await w.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
