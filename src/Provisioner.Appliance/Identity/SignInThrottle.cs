namespace Provisioner.Appliance.Identity;

/// <summary>
/// Limits password guessing: after <see cref="MaxFailures"/> failures for one user name, or <see cref="MaxFailuresPerAddress"/>
/// from one client address, inside <see cref="Window"/>, further attempts are refused until the window has passed. Counting
/// both keys stops many addresses guessing one name and one address spraying a password over many names; the address limit
/// is higher because several operators may sit behind one NAT.
/// </summary>
public sealed class SignInThrottle(TimeProvider timeProvider)
{
    public const int MaxFailures = 5;

    public const int MaxFailuresPerAddress = 20;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    /// <summary>Upper bound on tracked keys, so a flood of random names cannot grow memory without limit.</summary>
    private const int MaxKeys = 10_000;

    private readonly object _gate = new();
    private readonly Dictionary<string, List<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait, or null when an attempt is allowed now.</summary>
    public TimeSpan? RetryAfter(string userName, string? clientAddress)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            TimeSpan? wait = null;
            foreach (var key in Keys(userName, clientAddress))
            {
                if (_failures.TryGetValue(key, out var list))
                {
                    list.RemoveAll(t => now - t >= Window);
                    var max = key.StartsWith("addr:", StringComparison.Ordinal) ? MaxFailuresPerAddress : MaxFailures;
                    if (list.Count >= max)
                    {
                        var until = list[^max] + Window - now;
                        wait = wait is null || until > wait ? until : wait;
                    }
                }
            }

            return wait;
        }
    }

    public void RecordFailure(string userName, string? clientAddress)
    {
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_failures.Count >= MaxKeys)
            {
                foreach (var stale in _failures.Where(kv => kv.Value.All(t => now - t >= Window)).Select(kv => kv.Key).ToArray())
                {
                    _failures.Remove(stale);
                }
            }

            foreach (var key in Keys(userName, clientAddress))
            {
                if (!_failures.TryGetValue(key, out var list))
                {
                    if (_failures.Count >= MaxKeys)
                    {
                        continue;
                    }

                    _failures[key] = list = [];
                }

                list.Add(now);
            }
        }
    }

    public void RecordSuccess(string userName)
    {
        lock (_gate)
        {
            _failures.Remove("user:" + userName.ToLowerInvariant());
        }
    }

    private static IEnumerable<string> Keys(string userName, string? clientAddress)
    {
        yield return "user:" + userName.ToLowerInvariant();
        if (!string.IsNullOrEmpty(clientAddress))
        {
            yield return "addr:" + clientAddress;
        }
    }
}
