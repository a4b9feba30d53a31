using Provisioner.Ipmi.Wire;

namespace Provisioner.Ipmi.Commands;

/// <summary>Get Channel Authentication Capabilities response (App 0x38, §22.13), sent before a session exists.</summary>
/// <param name="Channel">The channel number that answered.</param>
/// <param name="SupportsIpmi20">The BMC supports IPMI v2.0 / RMCP+ connections.</param>
/// <param name="AnonymousLoginEnabled">Null user name with null password is enabled.</param>
public sealed record ChannelAuthCapabilities(byte Channel, bool SupportsIpmi20, bool AnonymousLoginEnabled)
{
    /// <summary>Command number.</summary>
    public const byte Command = 0x38;

    /// <summary>Request data: channel 0x0E (this one) with bit 7 asking for v2.0 extended data, and the privilege.</summary>
    public static byte[] Request(IpmiPrivilege privilege) => [0x8E, (byte)privilege];

    /// <summary>Parses the response data.</summary>
    public static ChannelAuthCapabilities Parse(ReadOnlySpan<byte> data)
    {
        var r = new IpmiReader(data);
        var channel = r.ReadByte();
        var authTypes = r.ReadByte();
        var status = r.ReadByte();
        var ext = r.ReadByte();
        // Bit 7 of the auth-type byte says extended capabilities are present; bit 1 of them is IPMI v2.0.
        var v20 = (authTypes & 0x80) != 0 && (ext & 0x02) != 0;
        return new ChannelAuthCapabilities(channel, v20, (status & 0x04) != 0);
    }
}
