using System.Diagnostics;

namespace Provisioner.Templates.Engine;

/// <summary>
/// Bounds one render in time and size. Handlebars renders synchronously on the calling thread, so the watchdog of the
/// render in progress is ambient per thread; the context's maps and lists, the output writer and the helpers call
/// <see cref="Tick"/>, which makes every loop iteration and every write a cancellation point (a .NET thread cannot be
/// aborted from outside).
/// </summary>
internal sealed class RenderWatchdog
{
    [ThreadStatic]
    private static RenderWatchdog? _current;

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly TimeSpan _timeLimit;
    private readonly CancellationToken _cancellationToken;
    private int _ticks;

    public RenderWatchdog(TimeProvider time, TimeSpan timeLimit, long maxOutputChars, CancellationToken cancellationToken)
    {
        _time = time;
        _timeLimit = timeLimit;
        MaxOutputChars = maxOutputChars;
        _cancellationToken = cancellationToken;
        _startTimestamp = time.GetTimestamp();
    }

    public static RenderWatchdog? Current => _current;

    public long MaxOutputChars { get; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_startTimestamp);

    public static IDisposable Enter(RenderWatchdog watchdog)
    {
        var previous = _current;
        _current = watchdog;
        return new Scope(previous);
    }

    /// <summary>Called from hot paths: checks the clock every 256 calls, the token every call (a field read).</summary>
    public static void Tick()
    {
        var w = _current;
        if (w is null)
        {
            return;
        }

        w._cancellationToken.ThrowIfCancellationRequested();
        if ((++w._ticks & 0xFF) == 0)
        {
            w.CheckTime();
        }
    }

    public void CheckTime()
    {
        var elapsed = Elapsed;
        if (elapsed > _timeLimit)
        {
            throw new TemplateLimitException(
                $"Rendering took longer than {_timeLimit.TotalMilliseconds:0} ms (a loop over too much data?); stopped after {elapsed.TotalMilliseconds:0} ms.");
        }
    }

    [DebuggerStepThrough]
    private sealed class Scope(RenderWatchdog? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
