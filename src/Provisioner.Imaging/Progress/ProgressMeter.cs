namespace Provisioner.Imaging.Progress;

/// <summary>
/// Counts bytes from any thread and reports an <see cref="ImageProgress"/> sample on a <see cref="TimeProvider"/> timer
/// (so a stalled transfer still reports, with its rate falling to zero), plus one final sample.
/// </summary>
internal sealed class ProgressMeter : IAsyncDisposable
{
    private readonly IProgress<ImageProgress>? _sink;
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private readonly Lock _gate = new();
    private long _bytesDone;
    private long _transferred;
    private int _chunksDone;
    private long _lastBytes;
    private long _lastStamp;
    private double _rate;

    public ProgressMeter(IProgress<ImageProgress>? sink, TimeProvider time, TimeSpan interval, long? total, int chunksTotal)
    {
        _sink = sink;
        _time = time;
        Total = total;
        ChunksTotal = chunksTotal;
        _lastStamp = time.GetTimestamp();
        if (sink is not null && interval > TimeSpan.Zero)
        {
            _timer = time.CreateTimer(_ => Sample(), null, interval, interval);
        }
    }

    public long? Total { get; set; }

    public int ChunksTotal { get; set; }

    public ImagePhase Phase { get; set; } = ImagePhase.Starting;

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public long Transferred => Interlocked.Read(ref _transferred);

    public void AddDone(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    public void AddTransferred(long bytes) => Interlocked.Add(ref _transferred, bytes);

    public void ChunkDone() => Interlocked.Increment(ref _chunksDone);

    /// <summary>Computes rate/ETA since the previous sample and reports.</summary>
    public void Sample()
    {
        if (_sink is null)
        {
            return;
        }
        ImageProgress p;
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            long done = BytesDone;
            double seconds = _time.GetElapsedTime(_lastStamp, now).TotalSeconds;
            if (seconds > 0)
            {
                _rate = (done - _lastBytes) / seconds;
                _lastBytes = done;
                _lastStamp = now;
            }
            TimeSpan? eta = Total is { } t && _rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, t - done) / _rate) : null;
            p = new ImageProgress(Phase, done, Total, _rate, eta, Volatile.Read(ref _chunksDone), ChunksTotal, Transferred);
        }
        _sink.Report(p);
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
