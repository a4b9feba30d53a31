using Provisioner.Ipmi.Wire;

namespace Provisioner.Ipmi.Commands;

/// <summary>Get Chassis Status response (Chassis 0x01, IPMI v2.0 §28.2).</summary>
/// <param name="PowerOn">System power is on.</param>
/// <param name="PowerOverload">Power overload.</param>
/// <param name="PowerFault">Power fault.</param>
/// <param name="IdentifyState">Identify LED: null when not reported, 0 off, 1 timed on, 2 indefinitely on.</param>
public sealed record ChassisStatus(bool PowerOn, bool PowerOverload, bool PowerFault, byte? IdentifyState)
{
    /// <summary>Command number.</summary>
    public const byte Command = 0x01;

    /// <summary>Parses the response data.</summary>
    public static ChassisStatus Parse(ReadOnlySpan<byte> data)
    {
        var r = new IpmiReader(data);
        var power = r.ReadByte();
        _ = r.ReadByte(); // last power event
        var misc = r.ReadByte();
        // Byte 3 bit 6: identify state reported in bits 5:4.
        byte? identify = (misc & 0x40) != 0 ? (byte)((misc >> 4) & 0x03) : null;
        return new ChassisStatus((power & 0x01) != 0, (power & 0x02) != 0, (power & 0x08) != 0, identify);
    }
}

/// <summary>Chassis Control sub-commands (Chassis 0x02, §28.3).</summary>
public enum ChassisControl : byte
{
    /// <summary>Power down (hard).</summary>
    PowerDown = 0,

    /// <summary>Power up.</summary>
    PowerUp = 1,

    /// <summary>Power cycle.</summary>
    PowerCycle = 2,

    /// <summary>Hard reset.</summary>
    HardReset = 3,

    /// <summary>Pulse diagnostic interrupt (NMI).</summary>
    DiagnosticInterrupt = 4,

    /// <summary>Soft shutdown via ACPI overtemperature emulation.</summary>
    SoftShutdown = 5,
}

/// <summary>Other chassis command numbers.</summary>
public static class ChassisCommands
{
    /// <summary>Chassis Control.</summary>
    public const byte Control = 0x02;

    /// <summary>Chassis Identify (§28.5).</summary>
    public const byte Identify = 0x04;

    /// <summary>Set System Boot Options (§28.12).</summary>
    public const byte SetBootOptions = 0x08;

    /// <summary>Get System Boot Options (§28.13).</summary>
    public const byte GetBootOptions = 0x09;
}
