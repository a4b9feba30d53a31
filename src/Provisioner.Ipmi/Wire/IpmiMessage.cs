namespace Provisioner.Ipmi.Wire;

/// <summary>An IPMI response message: network function, command, completion code and data.</summary>
/// <param name="NetFn">Response network function (request + 1).</param>
/// <param name="Command">Command number.</param>
/// <param name="RqSeq">The requester sequence it answers.</param>
/// <param name="CompletionCode">Completion code.</param>
/// <param name="Data">Response data after the completion code.</param>
public sealed record IpmiResponse(byte NetFn, byte Command, byte RqSeq, byte CompletionCode, byte[] Data);

/// <summary>IPMI LAN message framing with the two checksums (IPMI v2.0 §13.8 table 13-8, §5.4).</summary>
public static class IpmiMessage
{
    /// <summary>BMC responder slave address.</summary>
    public const byte BmcAddress = 0x20;

    /// <summary>Remote console software id used as requester address.</summary>
    public const byte ConsoleAddress = 0x81;

    /// <summary>Builds a request: rsSA, netFn/rsLUN, chk1, rqSA, rqSeq/rqLUN, cmd, data, chk2.</summary>
    public static byte[] BuildRequest(byte netFn, byte command, byte rqSeq, ReadOnlySpan<byte> data)
    {
        var m = new byte[7 + data.Length];
        m[0] = BmcAddress;
        m[1] = (byte)(netFn << 2);
        m[2] = Checksum(m.AsSpan(0, 2));
        m[3] = ConsoleAddress;
        m[4] = (byte)(rqSeq << 2);
        m[5] = command;
        data.CopyTo(m.AsSpan(6));
        m[^1] = Checksum(m.AsSpan(3, 3 + data.Length));
        return m;
    }

    /// <summary>Parses a response and checks both checksums.</summary>
    public static IpmiResponse ParseResponse(ReadOnlySpan<byte> message)
    {
        if (message.Length < 8)
        {
            throw new IpmiProtocolException(IpmiRejectReason.Truncated, $"IPMI response of {message.Length} bytes is shorter than 8.");
        }

        if (Checksum(message[..2]) != message[2] || Checksum(message[3..^1]) != message[^1])
        {
            throw new IpmiProtocolException(IpmiRejectReason.BadChecksum, "IPMI message checksum mismatch.");
        }

        return new IpmiResponse((byte)(message[1] >> 2), message[5], (byte)(message[4] >> 2), message[6], message[7..^1].ToArray());
    }

    /// <summary>Builds a response (used by test BMCs).</summary>
    public static byte[] BuildResponse(byte requestNetFn, byte command, byte rqSeq, byte completionCode, ReadOnlySpan<byte> data)
    {
        var m = new byte[8 + data.Length];
        m[0] = ConsoleAddress;
        m[1] = (byte)((requestNetFn | 1) << 2);
        m[2] = Checksum(m.AsSpan(0, 2));
        m[3] = BmcAddress;
        m[4] = (byte)(rqSeq << 2);
        m[5] = command;
        m[6] = completionCode;
        data.CopyTo(m.AsSpan(7));
        m[^1] = Checksum(m.AsSpan(3, 4 + data.Length));
        return m;
    }

    /// <summary>Two's complement checksum: the bytes plus the checksum sum to zero mod 256.</summary>
    public static byte Checksum(ReadOnlySpan<byte> bytes)
    {
        byte sum = 0;
        foreach (var b in bytes)
        {
            sum += b;
        }

        return (byte)(0x100 - sum);
    }
}
