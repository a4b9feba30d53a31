namespace Provisioner.Jobs.Engine;

/// <summary>Counters of one engine and the delay between a step being ready and it starting (for the dashboard and benchmarks).</summary>
public sealed class JobEngineMetrics
{
    private const int MaxSamples = 1 << 20;
    private readonly Lock _gate = new();
    private readonly List<double> _delaysMs = [];
    private long _stepsStarted;
    private long _stepsSucceeded;
    private long _stepsFailed;
    private long _jobsSucceeded;
    private long _jobsFailed;
    private long _jobsCancelled;

    public long StepsStarted => Interlocked.Read(ref _stepsStarted);

    public long StepsSucceeded => Interlocked.Read(ref _stepsSucceeded);

    public long StepsFailed => Interlocked.Read(ref _stepsFailed);

    public long JobsSucceeded => Interlocked.Read(ref _jobsSucceeded);

    public long JobsFailed => Interlocked.Read(ref _jobsFailed);

    public long JobsCancelled => Interlocked.Read(ref _jobsCancelled);

    internal void RecordStepStart(TimeSpan readyToStart)
    {
        Interlocked.Increment(ref _stepsStarted);
        lock (_gate)
        {
            if (_delaysMs.Count < MaxSamples)
            {
                _delaysMs.Add(Math.Max(0, readyToStart.TotalMilliseconds));
            }
        }
    }

    internal void RecordStepSucceeded() => Interlocked.Increment(ref _stepsSucceeded);

    internal void RecordStepFailed() => Interlocked.Increment(ref _stepsFailed);

    internal void RecordJobFinished(JobState state)
    {
        switch (state)
        {
            case JobState.Succeeded: Interlocked.Increment(ref _jobsSucceeded); break;
            case JobState.Failed: Interlocked.Increment(ref _jobsFailed); break;
            case JobState.Cancelled: Interlocked.Increment(ref _jobsCancelled); break;
        }
    }

    /// <summary>The <paramref name="quantile"/> (0..1) of ready-to-start delays in milliseconds, or 0 with no samples.</summary>
    public double StepStartDelayMs(double quantile)
    {
        double[] sorted;
        lock (_gate)
        {
            sorted = [.. _delaysMs];
        }

        if (sorted.Length == 0)
        {
            return 0;
        }

        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(Math.Clamp(quantile, 0, 1) * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }
}
