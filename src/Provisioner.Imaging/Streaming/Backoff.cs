namespace Provisioner.Imaging.Streaming;

/// <summary>Exponential back-off between network attempts, on the deployer's clock.</summary>
internal static class Backoff
{
    public static TimeSpan DelayFor(int attempt, ImageDeployOptions options)
    {
        double factor = Math.Pow(2, Math.Max(0, attempt - 1));
        var delay = TimeSpan.FromTicks((long)Math.Min(options.MaxRetryDelay.Ticks, options.RetryDelay.Ticks * factor));
        return delay;
    }

    public static Task WaitAsync(int attempt, ImageDeployOptions options, CancellationToken ct)
        => Task.Delay(DelayFor(attempt, options), options.TimeProvider, ct);
}
