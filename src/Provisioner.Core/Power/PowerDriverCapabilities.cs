namespace Provisioner.Core.Power;

/// <summary>What a driver can do. The dashboard hides what a driver cannot; runners refuse it early.</summary>
[Flags]
public enum PowerDriverCapabilities
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>The power state can be read (otherwise the monitor skips the node).</summary>
    Query = 1 << 0,

    /// <summary>On, Off.</summary>
    OnOff = 1 << 1,

    /// <summary>Graceful (ACPI) shutdown.</summary>
    SoftOff = 1 << 2,

    /// <summary>Power cycle.</summary>
    Cycle = 1 << 3,

    /// <summary>Hard reset.</summary>
    Reset = 1 << 4,

    /// <summary>The next boot device can be set.</summary>
    SetBootDevice = 1 << 5,

    /// <summary>The next boot device can be read back.</summary>
    GetBootDevice = 1 << 6,

    /// <summary>The chassis identify LED can be switched.</summary>
    Identify = 1 << 7,

    /// <summary>One endpoint feeds several nodes (a PDU, a blade chassis): actions affect all of them.</summary>
    SharedEndpoint = 1 << 8,

    /// <summary>Actions need a human (the manual driver); they complete later.</summary>
    RequiresOperator = 1 << 9,
}
