using Provisioner.Ipmi.Wire;

namespace Provisioner.Ipmi.Commands;

/// <summary>Boot device selector of boot-flags byte 2, bits 5:2 (IPMI v2.0 §28.13 table 28-14, parameter 5).</summary>
public enum BootDeviceSelector : byte
{
    /// <summary>No override.</summary>
    NoOverride = 0x0,

    /// <summary>Force PXE.</summary>
    Pxe = 0x1,

    /// <summary>Force boot from default hard drive.</summary>
    Disk = 0x2,

    /// <summary>Force boot from default hard drive, safe mode.</summary>
    DiskSafeMode = 0x3,

    /// <summary>Force boot from diagnostic partition.</summary>
    Diagnostic = 0x4,

    /// <summary>Force boot from CD/DVD.</summary>
    Cdrom = 0x5,

    /// <summary>Force boot into BIOS setup.</summary>
    BiosSetup = 0x6,

    /// <summary>Force boot from remotely connected floppy/primary removable media.</summary>
    RemoteFloppy = 0x7,

    /// <summary>Force boot from remotely connected CD/DVD.</summary>
    RemoteCdrom = 0x9,

    /// <summary>Force boot from remotely connected hard drive.</summary>
    RemoteDisk = 0xB,

    /// <summary>Force boot from floppy/primary removable media.</summary>
    Floppy = 0xF,
}

/// <summary>The boot flags parameter (boot option parameter 5).</summary>
/// <param name="Valid">Byte 1 bit 7: the flags are valid (an override is pending).</param>
/// <param name="Persistent">Byte 1 bit 6: applies to all future boots, not just the next.</param>
/// <param name="Efi">Byte 1 bit 5: EFI boot instead of legacy PC.</param>
/// <param name="Device">Byte 2 bits 5:2.</param>
public sealed record BootFlags(bool Valid, bool Persistent, bool Efi, BootDeviceSelector Device)
{
    /// <summary>Boot option parameter number.</summary>
    public const byte Parameter = 5;

    /// <summary>Set System Boot Options request data: parameter 5 then its 5 data bytes.</summary>
    public byte[] ToRequest() =>
    [
        Parameter,
        (byte)((Valid ? 0x80 : 0) | (Persistent ? 0x40 : 0) | (Efi ? 0x20 : 0)),
        (byte)((byte)Device << 2),
        0x00,
        0x00,
        0x00,
    ];

    /// <summary>Get System Boot Options request data for parameter 5.</summary>
    public static byte[] GetRequest() => [Parameter, 0x00, 0x00];

    /// <summary>Parses the Get System Boot Options response: version, parameter, 5 data bytes.</summary>
    public static BootFlags Parse(ReadOnlySpan<byte> data)
    {
        var r = new IpmiReader(data);
        _ = r.ReadByte(); // parameter version
        var parameter = (byte)(r.ReadByte() & 0x7F);
        if (parameter != Parameter)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, $"Boot options reply is for parameter {parameter}, not 5.");
        }

        var b1 = r.ReadByte();
        var b2 = r.ReadByte();
        return new BootFlags((b1 & 0x80) != 0, (b1 & 0x40) != 0, (b1 & 0x20) != 0, (BootDeviceSelector)((b2 >> 2) & 0x0F));
    }
}
