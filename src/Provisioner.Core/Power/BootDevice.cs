namespace Provisioner.Core.Power;

/// <summary>The device a machine boots from next. Values are persisted: never renumber.</summary>
public enum BootDevice
{
    /// <summary>No override: the firmware's own boot order.</summary>
    None = 0,

    /// <summary>Network boot (PXE / UEFI HTTP).</summary>
    Pxe = 1,

    /// <summary>The local disk.</summary>
    Disk = 2,

    /// <summary>Enter the firmware setup screen.</summary>
    BiosSetup = 3,

    /// <summary>Optical or virtual media.</summary>
    Cdrom = 4,
}

/// <summary>Firmware mode the override asks for. Values are persisted: never renumber.</summary>
public enum BootMode
{
    /// <summary>Leave the firmware's mode alone (or the BMC does not report it).</summary>
    Unspecified = 0,

    /// <summary>Legacy BIOS boot.</summary>
    Legacy = 1,

    /// <summary>UEFI boot.</summary>
    Uefi = 2,
}

/// <summary>A next-boot override: which device, whether it sticks past the next boot, and in which firmware mode.</summary>
/// <param name="Device">The device to boot from.</param>
/// <param name="Persistent">True: every boot until changed; false: the next boot only.</param>
/// <param name="Mode">Legacy or UEFI, or unspecified.</param>
public readonly record struct BootDeviceSetting(BootDevice Device, bool Persistent = false, BootMode Mode = BootMode.Unspecified)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Device} ({(Persistent ? "persistent" : "once")}{(Mode == BootMode.Unspecified ? "" : ", " + Mode)})";
}
