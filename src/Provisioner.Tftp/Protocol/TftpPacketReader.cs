using System.Buffers.Binary;
using System.Text;

namespace Provisioner.Tftp.Protocol;

/// <summary>Parses TFTP packets from wire bytes. Malformed input throws <see cref="TftpProtocolException"/>.</summary>
public static class TftpPacketReader
{
    // Strings in a request are NUL-terminated netascii (RFC 1350 §5). Non-ASCII bytes are decoded as UTF-8;
    // invalid sequences become U+FFFD, which never matches a path separator or a dot.
    private static readonly Encoding s_text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Upper bound on options read from one request: a request is at most one datagram, but
    /// a hostile client should not make us build a long list.</summary>
    public const int MaxOptions = 32;

    /// <summary>The opcode of a packet (first two bytes, big-endian).</summary>
    public static TftpOpcode ReadOpcode(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 2)
        {
            TftpProtocolException.Throw("Packet shorter than an opcode.");
        }

        return (TftpOpcode)BinaryPrimitives.ReadUInt16BigEndian(packet);
    }

    /// <summary>Parses an RRQ or WRQ: opcode | filename | 0 | mode | 0 | [name | 0 | value | 0]* (RFC 1350 §5, RFC 2347).</summary>
    public static TftpRequest ReadRequest(ReadOnlySpan<byte> packet)
    {
        var opcode = ReadOpcode(packet);
        if (opcode is not (TftpOpcode.ReadRequest or TftpOpcode.WriteRequest))
        {
            TftpProtocolException.Throw($"Opcode {(ushort)opcode} is not a request.");
        }

        var rest = packet[2..];
        var fileName = ReadString(ref rest, "file name");
        if (fileName.Length == 0)
        {
            TftpProtocolException.Throw("Empty file name.");
        }

        var modeText = ReadString(ref rest, "mode");
        var mode = ParseMode(modeText);

        var options = new List<TftpOption>();
        // RFC 2347: options follow the mode. A trailing name without its value (or a lone pad byte,
        // which some ROMs send) is ignored, not fatal.
        while (rest.Length > 0 && options.Count < MaxOptions)
        {
            var end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                break;
            }

            var name = s_text.GetString(rest[..end]);
            rest = rest[(end + 1)..];
            var valueEnd = rest.IndexOf((byte)0);
            if (valueEnd < 0)
            {
                break;
            }

            var value = s_text.GetString(rest[..valueEnd]);
            rest = rest[(valueEnd + 1)..];
            if (name.Length > 0)
            {
                options.Add(new TftpOption(name.ToLowerInvariant(), value));
            }
        }

        return new TftpRequest(opcode, fileName, modeText, mode, options);
    }

    /// <summary>Parses an ACK and returns its 16-bit block number.</summary>
    public static ushort ReadAck(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 4)
        {
            TftpProtocolException.Throw("ACK shorter than 4 bytes.");
        }

        return BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
    }

    /// <summary>Parses an ERROR packet; a missing NUL terminator is tolerated (the message is what is there).</summary>
    public static (TftpErrorCode Code, string Message) ReadError(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 4)
        {
            TftpProtocolException.Throw("ERROR shorter than 4 bytes.");
        }

        var code = (TftpErrorCode)BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        var text = packet[4..];
        var end = text.IndexOf((byte)0);
        var message = s_text.GetString(end < 0 ? text : text[..end]);
        return (code, message);
    }

    private static string ReadString(ref ReadOnlySpan<byte> rest, string what)
    {
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            TftpProtocolException.Throw($"The {what} has no NUL terminator.");
        }

        var s = s_text.GetString(rest[..end]);
        rest = rest[(end + 1)..];
        return s;
    }

    private static TftpTransferMode ParseMode(string mode)
    {
        if (mode.Equals("octet", StringComparison.OrdinalIgnoreCase))
        {
            return TftpTransferMode.Octet;
        }

        if (mode.Equals("netascii", StringComparison.OrdinalIgnoreCase))
        {
            return TftpTransferMode.Netascii;
        }

        return TftpTransferMode.Unsupported;
    }
}
