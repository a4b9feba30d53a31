namespace Provisioner.Core.Power;

/// <summary>A state-changing power command. Values are persisted: never renumber.</summary>
public enum PowerAction
{
    /// <summary>Power on.</summary>
    On = 1,

    /// <summary>Hard power off (no operating system involvement).</summary>
    Off = 2,

    /// <summary>Ask the operating system to shut down (ACPI power button); ends Off.</summary>
    SoftOff = 3,

    /// <summary>Power off, then on again; ends On.</summary>
    Cycle = 4,

    /// <summary>Hard reset without removing power; ends On.</summary>
    Reset = 5,
}

/// <summary>What each action should leave behind once it has taken effect.</summary>
public static class PowerActionExtensions
{
    /// <summary>The state the machine must reach for <paramref name="action"/> to count as done.</summary>
    public static PowerState ExpectedState(this PowerAction action) => action switch
    {
        PowerAction.On or PowerAction.Cycle or PowerAction.Reset => PowerState.On,
        PowerAction.Off or PowerAction.SoftOff => PowerState.Off,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown power action."),
    };
}
