using System.Collections.Concurrent;

namespace Provisioner.Power;

/// <summary>One command at a time per endpoint, at least a minimum interval apart.</summary>
internal sealed class EndpointGate(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<T> RunAsync<T>(string endpoint, TimeSpan minInterval, Func<Task<T>> action, CancellationToken ct)
    {
        var e = _entries.GetOrAdd(endpoint, _ => new Entry());
        await e.Lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (e.Last is long last)
            {
                var wait = minInterval - time.GetElapsedTime(last);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, ct).ConfigureAwait(false);
                }
            }

            try
            {
                return await action().ConfigureAwait(false);
            }
            finally
            {
                e.Last = time.GetTimestamp();
            }
        }
        finally
        {
            e.Lock.Release();
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Lock { get; } = new(1, 1);

        public long? Last { get; set; }
    }
}
