using System.Runtime.InteropServices;

namespace Provisioner.Agent.Power;

/// <summary>Ends the live session: the only side effect the unit tests fake.</summary>
public interface IPowerControl
{
    /// <summary>Flushes disks and powers the machine off (ACPI S5).</summary>
    void PowerOff();

    /// <summary>Flushes disks and reboots.</summary>
    void Reboot();
}

/// <summary>
/// reboot(2) directly: the agent is not PID 1 (busybox's <c>poweroff</c> would signal /init, a shell script), so it asks
/// the kernel itself, after sync(2).
/// </summary>
public sealed partial class KernelPowerControl : IPowerControl
{
    // include/uapi/linux/reboot.h
    private const uint PowerOffCommand = 0x4321FEDC;
    private const uint RestartCommand = 0x01234567;

    /// <inheritdoc />
    public void PowerOff() => Reboot(PowerOffCommand);

    /// <inheritdoc />
    public void Reboot() => Reboot(RestartCommand);

    private static void Reboot(uint command)
    {
        Sync();
        if (SysReboot(command) != 0)
        {
            throw new InvalidOperationException($"reboot(2) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();

    [LibraryImport("libc", EntryPoint = "reboot", SetLastError = true)]
    private static partial int SysReboot(uint command);
}
