using System.Threading.Channels;
using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Tasks;

/// <summary>
/// Turns frequent byte counts into a progress report every <see cref="Interval"/> (rate and ETA over the last interval).
/// Reports are sent by a background loop that keeps only the newest, so a slow appliance never slows the disk writer.
/// </summary>
public sealed class ProgressReporter : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly Func<TaskProgress, CancellationToken, Task> _send;
    private readonly ConsoleEvents _events;
    private readonly Channel<TaskProgress> _queue = Channel.CreateBounded<TaskProgress>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly Task _sender;
    private readonly CancellationTokenSource _stop = new();
    private string _step = "start";
    private long _lastTimestamp;
    private long _lastBytes;
    private long _lastConsoleTimestamp;
    private bool _first = true;

    /// <summary>Creates a reporter that hands reports to <paramref name="send"/>.</summary>
    public ProgressReporter(TimeProvider time, Func<TaskProgress, CancellationToken, Task> send, ConsoleEvents events)
    {
        _time = time;
        _send = send;
        _events = events;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>Minimum time between reports to the appliance.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Minimum time between progress lines on the console.</summary>
    public TimeSpan ConsoleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reports that were handed to the sender (for tests and the final log line).</summary>
    public int Reported { get; private set; }

    /// <summary>Starts a new step: rates restart from zero.</summary>
    public void Reset(string step)
    {
        _step = step;
        _first = true;
        _lastBytes = 0;
        _lastTimestamp = _time.GetTimestamp();
    }

    /// <summary>Records progress; sends a report when the interval has passed, on the first call and at completion.</summary>
    public void Report(long bytesDone, long bytesTotal, string? message = null)
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_lastTimestamp, now);
        var complete = bytesTotal > 0 && bytesDone >= bytesTotal;
        if (!_first && !complete && elapsed < Interval)
        {
            return;
        }

        var rate = elapsed > TimeSpan.Zero ? (bytesDone - _lastBytes) / elapsed.TotalSeconds : 0;
        double? eta = rate > 0 && bytesTotal > 0 ? Math.Max(0, (bytesTotal - bytesDone) / rate) : null;
        var progress = new TaskProgress(_step, bytesDone, bytesTotal, Math.Round(rate), eta is null ? null : Math.Round(eta.Value, 1), message);
        _first = false;
        _lastBytes = bytesDone;
        _lastTimestamp = now;
        Reported++;
        _queue.Writer.TryWrite(progress);
        if (complete || _time.GetElapsedTime(_lastConsoleTimestamp, now) >= ConsoleInterval)
        {
            _lastConsoleTimestamp = now;
            _events.Emit("progress", ("step", _step), ("done", bytesDone), ("total", bytesTotal), ("rate", Math.Round(rate)), ("eta", progress.EtaSeconds));
        }
    }

    /// <summary>Sends what is queued and stops the sender.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        try
        {
            await _sender.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task SendLoopAsync()
    {
        await foreach (var p in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await _send(p, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ApplianceException or TokenRejectedException or OperationCanceledException or HttpRequestException)
            {
                // Progress is best effort; the result report is what counts.
            }
        }
    }
}
