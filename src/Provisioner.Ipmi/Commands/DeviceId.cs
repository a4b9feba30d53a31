using Provisioner.Ipmi.Wire;

namespace Provisioner.Ipmi.Commands;

/// <summary>Get Device ID response (App 0x01, IPMI v2.0 §20.1).</summary>
/// <param name="DeviceIdNumber">Device id.</param>
/// <param name="DeviceRevision">Device revision (low nibble).</param>
/// <param name="FirmwareMajor">Major firmware revision (7 bits).</param>
/// <param name="FirmwareMinor">Minor firmware revision (BCD).</param>
/// <param name="IpmiVersion">IPMI version, e.g. 0x51 or 0x02 for 2.0.</param>
/// <param name="ManufacturerId">IANA enterprise number of the manufacturer.</param>
/// <param name="ProductId">Product id.</param>
public sealed record DeviceId(byte DeviceIdNumber, byte DeviceRevision, byte FirmwareMajor, byte FirmwareMinor, byte IpmiVersion, int ManufacturerId, int ProductId)
{
    /// <summary>Command number.</summary>
    public const byte Command = 0x01;

    /// <summary>Firmware as "major.minor" (minor is BCD).</summary>
    public string Firmware => $"{FirmwareMajor}.{FirmwareMinor:x2}";

    /// <summary>Parses the response data (after the completion code).</summary>
    public static DeviceId Parse(ReadOnlySpan<byte> data)
    {
        var r = new IpmiReader(data);
        var id = r.ReadByte();
        var rev = (byte)(r.ReadByte() & 0x0F);
        var fwMajor = (byte)(r.ReadByte() & 0x7F);
        var fwMinor = r.ReadByte();
        var ipmi = r.ReadByte();
        r.Skip(1);
        var m = r.ReadBytes(3);
        var mfg = m[0] | (m[1] << 8) | ((m[2] & 0x0F) << 16);
        var product = r.ReadUInt16();
        return new DeviceId(id, rev, fwMajor, fwMinor, ipmi, mfg, product);
    }
}
