namespace Provisioner.Jobs.Workflows;

/// <summary>What the engine does with a step found Running when it takes over a job (its previous runner died).</summary>
public enum InterruptedStepPolicy
{
    /// <summary>Run the step again (it is idempotent or resumes from its checkpoint).</summary>
    Rerun = 1,

    /// <summary>Fail the job with the reason "interrupted" (the step cannot safely run twice).</summary>
    Fail = 2,
}

/// <summary>Exponential backoff between attempts of a step: Initial, Initial*Factor, ... capped at Max.</summary>
public sealed record RetryBackoff(TimeSpan Initial, double Factor = 2, TimeSpan? Max = null)
{
    public static readonly RetryBackoff Default = new(TimeSpan.FromSeconds(2), 2, TimeSpan.FromMinutes(1));

    /// <summary>The wait after failed attempt number <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var ticks = Initial.Ticks * Math.Pow(Factor, Math.Max(0, attempt - 1));
        var max = (Max ?? TimeSpan.FromHours(1)).Ticks;
        return TimeSpan.FromTicks((long)Math.Min(ticks, max));
    }
}

/// <summary>
/// One named step of a workflow: its limits and the work itself. Subclass it, or use <see cref="Create"/> with a delegate.
/// </summary>
public abstract class JobStepDefinition
{
    protected JobStepDefinition(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>"set-boot-pxe", "power-on", "wait-dhcp", "stream-image"... unique within the workflow.</summary>
    public string Name { get; }

    /// <summary>Each attempt is cancelled after this long.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts before the step (and the job) fails; 1 means no retry.</summary>
    public int MaxAttempts { get; init; } = 1;

    public RetryBackoff Backoff { get; init; } = RetryBackoff.Default;

    public InterruptedStepPolicy OnInterrupted { get; init; } = InterruptedStepPolicy.Rerun;

    /// <summary>Does the work. Throw to fail the attempt (<see cref="StepFailedException"/> with Retryable=false to fail
    /// without further attempts); honour <paramref name="cancellationToken"/> (timeout, cancel, shutdown).</summary>
    public abstract Task ExecuteAsync(StepContext context, CancellationToken cancellationToken);

    /// <summary>A step whose work is a delegate.</summary>
    public static JobStepDefinition Create(string name, Func<StepContext, CancellationToken, Task> execute,
        TimeSpan? timeout = null, int maxAttempts = 1, RetryBackoff? backoff = null, InterruptedStepPolicy onInterrupted = InterruptedStepPolicy.Rerun) =>
        new DelegateStep(name, execute)
        {
            Timeout = timeout ?? TimeSpan.FromMinutes(10),
            MaxAttempts = Math.Max(1, maxAttempts),
            Backoff = backoff ?? RetryBackoff.Default,
            OnInterrupted = onInterrupted,
        };

    private sealed class DelegateStep(string name, Func<StepContext, CancellationToken, Task> execute) : JobStepDefinition(name)
    {
        public override Task ExecuteAsync(StepContext context, CancellationToken cancellationToken) => execute(context, cancellationToken);
    }
}

/// <summary>A step failure with a message for the operator; <see cref="Retryable"/> false stops further attempts.</summary>
public sealed class StepFailedException : Exception
{
    public StepFailedException() { }

    public StepFailedException(string message) : base(message) { }

    public StepFailedException(string message, Exception inner) : base(message, inner) { }

    public StepFailedException(string message, bool retryable) : base(message) => Retryable = retryable;

    public bool Retryable { get; init; } = true;
}
