namespace Provisioner.Power;

/// <summary>How the runner acts, waits and verifies.</summary>
public sealed record PowerActionRunnerOptions
{
    /// <summary>How long a hard action (on, off, cycle, reset) may take to show in the read-back.</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a soft off (the OS shutting down) may take.</summary>
    public TimeSpan SoftOffTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>First wait before reading back; doubles up to <see cref="MaxPollInterval"/> (MAAS waits similarly).</summary>
    public TimeSpan FirstPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest wait between read-backs.</summary>
    public TimeSpan MaxPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Sends per command when the endpoint fails transiently.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Wait before the second attempt; doubles after.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Least time between two commands to one endpoint (ironic's min_command_interval; BMCs choke on bursts).</summary>
    public TimeSpan MinCommandInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Send the action again once when the state did not change (some BMCs drop the first command after idling).</summary>
    public bool ResendOnceIfUnchanged { get; init; } = true;
}
