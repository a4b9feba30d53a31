using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace Provisioner.Dhcp.Protocol;

/// <summary>
/// A BOOTP/DHCP message (RFC 2131 §2, figure 1). Parse with <see cref="DhcpPacketReader.Parse"/>,
/// serialize with <see cref="DhcpPacketWriter.TryWrite"/>; both are pure functions over spans.
/// </summary>
/// <remarks>
/// <code>
///  0      op(1) htype(1) hlen(1) hops(1)
///  4      xid(4)
///  8      secs(2) flags(2)
///  12     ciaddr(4)  16 yiaddr(4)  20 siaddr(4)  24 giaddr(4)
///  28     chaddr(16)
///  44     sname(64)
///  108    file(128)
///  236    magic cookie 99.130.83.99, then options
/// </code>
/// </remarks>
public sealed class DhcpPacket
{
    /// <summary>Size of the fixed BOOTP header, before the cookie.</summary>
    public const int HeaderLength = 236;

    /// <summary>Header plus magic cookie: where options start.</summary>
    public const int OptionsOffset = 240;

    /// <summary>RFC 2131 §2 broadcast bit of the flags field.</summary>
    public const ushort BroadcastFlag = 0x8000;

    /// <summary>The magic cookie, RFC 2131 §3.</summary>
    public const uint MagicCookie = 0x63825363;

    public DhcpOpCode Op { get; set; } = DhcpOpCode.BootRequest;

    /// <summary>Hardware type (1 = Ethernet).</summary>
    public byte HardwareType { get; set; } = 1;

    /// <summary>Hardware address length (6 for Ethernet), at most 16.</summary>
    public byte HardwareAddressLength { get; set; } = 6;

    public byte Hops { get; set; }

    /// <summary>xid.</summary>
    public uint TransactionId { get; set; }

    public ushort Seconds { get; set; }

    public ushort Flags { get; set; }

    /// <summary>ciaddr.</summary>
    public IPAddress ClientAddress { get; set; } = IPAddress.Any;

    /// <summary>yiaddr.</summary>
    public IPAddress YourAddress { get; set; } = IPAddress.Any;

    /// <summary>siaddr: the next server in the boot process (TFTP).</summary>
    public IPAddress NextServerAddress { get; set; } = IPAddress.Any;

    /// <summary>giaddr: the relay agent address.</summary>
    public IPAddress GatewayAddress { get; set; } = IPAddress.Any;

    /// <summary>The 16-byte chaddr field.</summary>
    public byte[] ClientHardwareAddress { get; set; } = new byte[16];

    /// <summary>The 64-byte sname field as raw bytes (empty when it carried overloaded options).</summary>
    public byte[] ServerNameField { get; set; } = new byte[64];

    /// <summary>The 128-byte file field as raw bytes (empty when it carried overloaded options).</summary>
    public byte[] FileField { get; set; } = new byte[128];

    /// <summary>The options, joined per RFC 3396.</summary>
    public DhcpOptionList Options { get; set; } = new();

    /// <summary>True when the broadcast bit is set (RFC 2131 §4.1).</summary>
    public bool IsBroadcast
    {
        get => (Flags & BroadcastFlag) != 0;
        set => Flags = value ? (ushort)(Flags | BroadcastFlag) : (ushort)(Flags & ~BroadcastFlag);
    }

    /// <summary>The DHCP message type (option 53).</summary>
    public DhcpMessageType MessageType => Options.MessageType;

    /// <summary>chaddr as a hardware address of <see cref="HardwareAddressLength"/> bytes.</summary>
    public PhysicalAddress HardwareAddress => new(ClientHardwareAddress.AsSpan(0, Math.Min((int)HardwareAddressLength, 16)).ToArray());

    /// <summary>The sname field as text (up to the first NUL).</summary>
    public string ServerName
    {
        get => FieldText(ServerNameField);
        set => ServerNameField = TextField(value, 64, nameof(ServerName));
    }

    /// <summary>The file field as text (up to the first NUL).</summary>
    public string BootFile
    {
        get => FieldText(FileField);
        set => FileField = TextField(value, 128, nameof(BootFile));
    }

    private static string FieldText(byte[] field)
    {
        var end = Array.IndexOf(field, (byte)0);
        return Encoding.ASCII.GetString(field, 0, end < 0 ? field.Length : end);
    }

    private static byte[] TextField(string value, int size, string name)
    {
        var b = new byte[size];
        var n = Encoding.ASCII.GetByteCount(value);
        if (n >= size)
        {
            throw new ArgumentException($"{name} holds at most {size - 1} characters.", name);
        }

        Encoding.ASCII.GetBytes(value, b);
        return b;
    }

    /// <summary>Reads an IPv4 address from 4 bytes.</summary>
    internal static IPAddress ReadAddress(ReadOnlySpan<byte> b)
    {
        var v = BinaryPrimitives.ReadUInt32LittleEndian(b);
        return v == 0 ? IPAddress.Any : new IPAddress(v);
    }
}
