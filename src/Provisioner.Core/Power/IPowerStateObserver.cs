namespace Provisioner.Core.Power;

/// <summary>A change the power monitor saw, or a failure to read the state.</summary>
/// <param name="Target">The node's power target.</param>
/// <param name="Previous">State seen before (Unknown on the first poll).</param>
/// <param name="Current">State seen now (Unknown when the query failed).</param>
/// <param name="At">When it was seen.</param>
/// <param name="Error">The failure when the query failed.</param>
public sealed record PowerStateChange(PowerTarget Target, PowerState Previous, PowerState Current, DateTimeOffset At, PowerException? Error = null);

/// <summary>Receives power state changes from the monitor (the appliance stores them in node history).</summary>
public interface IPowerStateObserver
{
    /// <summary>Called when a node's state differs from the last poll, or when its query starts or stops failing.</summary>
    ValueTask OnPowerStateChangedAsync(PowerStateChange change, CancellationToken cancellationToken);
}

/// <summary>Supplies the targets the monitor polls (the inventory does).</summary>
public interface IPowerTargetSource
{
    /// <summary>The current set of targets; called once per monitor round.</summary>
    ValueTask<IReadOnlyList<PowerTarget>> GetTargetsAsync(CancellationToken cancellationToken);
}
