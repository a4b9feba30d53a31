namespace Provisioner.Core.Power;

/// <summary>The power state a driver observed. Values are persisted: never renumber.</summary>
public enum PowerState
{
    /// <summary>The driver could not tell (no answer, or the driver cannot query).</summary>
    Unknown = 0,

    /// <summary>The machine is powered on.</summary>
    On = 1,

    /// <summary>The machine is powered off.</summary>
    Off = 2,
}
