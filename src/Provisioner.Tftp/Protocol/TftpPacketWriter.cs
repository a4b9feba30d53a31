using System.Buffers.Binary;
using System.Text;

namespace Provisioner.Tftp.Protocol;

/// <summary>Writes TFTP packets into caller buffers and returns the number of bytes written.</summary>
public static class TftpPacketWriter
{
    /// <summary>Bytes before the payload of a DATA packet: opcode and block number.</summary>
    public const int DataHeaderLength = 4;

    /// <summary>Writes the 4-byte DATA header (RFC 1350 §5); the payload follows it in the same buffer.</summary>
    public static void WriteDataHeader(Span<byte> destination, ushort block)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Data);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], block);
    }

    /// <summary>Writes an ACK.</summary>
    public static int WriteAck(Span<byte> destination, ushort block)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Ack);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], block);
        return 4;
    }

    /// <summary>Writes an ERROR packet; the message is cut so the packet fits <paramref name="destination"/>.</summary>
    public static int WriteError(Span<byte> destination, TftpErrorCode code, string message)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.Error);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)code);
        var room = destination.Length - 5;
        var n = Encoding.ASCII.GetBytes(message.Length > room ? message[..room] : message, destination[4..]);
        destination[4 + n] = 0;
        return 5 + n;
    }

    /// <summary>Writes an OACK with the acknowledged options (RFC 2347).</summary>
    public static int WriteOptionAck(Span<byte> destination, IReadOnlyList<TftpOption> options)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)TftpOpcode.OptionAck);
        var at = 2;
        foreach (var (name, value) in options)
        {
            at += Encoding.ASCII.GetBytes(name, destination[at..]);
            destination[at++] = 0;
            at += Encoding.ASCII.GetBytes(value, destination[at..]);
            destination[at++] = 0;
        }

        return at;
    }

    /// <summary>Writes a request (used by tests and tools acting as a client).</summary>
    public static int WriteRequest(Span<byte> destination, TftpOpcode opcode, string fileName, string mode, IEnumerable<TftpOption>? options = null)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)opcode);
        var at = 2;
        at += Encoding.UTF8.GetBytes(fileName, destination[at..]);
        destination[at++] = 0;
        at += Encoding.ASCII.GetBytes(mode, destination[at..]);
        destination[at++] = 0;
        foreach (var (name, value) in options ?? [])
        {
            at += Encoding.ASCII.GetBytes(name, destination[at..]);
            destination[at++] = 0;
            at += Encoding.ASCII.GetBytes(value, destination[at..]);
            destination[at++] = 0;
        }

        return at;
    }
}
