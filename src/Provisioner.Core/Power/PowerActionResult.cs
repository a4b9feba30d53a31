namespace Provisioner.Core.Power;

/// <summary>What a confirmed power action did: the state read back, how long it took and how many tries.</summary>
/// <param name="Action">The action.</param>
/// <param name="State">The state read back after the action (equal to the expected state when confirmed).</param>
/// <param name="Confirmed">True when the read-back matched; false only for drivers that cannot query.</param>
/// <param name="Attempts">Commands sent (1 unless transient failures were retried).</param>
/// <param name="Elapsed">From the first command to the confirming read-back.</param>
/// <param name="Message">A line for node history ("power on confirmed after 1.2 s").</param>
public sealed record PowerActionResult(PowerAction Action, PowerState State, bool Confirmed, int Attempts, TimeSpan Elapsed, string Message);
