namespace Provisioner.Power.Monitor;

/// <summary>Schedule and limits of the power monitor.</summary>
public sealed record PowerMonitorOptions
{
    /// <summary>Time between the starts of two rounds.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Queries in flight at once.</summary>
    public int MaxParallelism { get; init; } = 64;

    /// <summary>Limit for one query (the driver's own retries included).</summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Skip an endpoint this long after its first failure; doubles per further failure.</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest skip.</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromMinutes(10);
}
