using System.Buffers.Binary;
using System.Net;

namespace Provisioner.TestKit.Dhcp;

/// <summary>
/// Builds DHCP client messages byte by byte, independently of the server's codec, so tests can act as a client
/// (a PXE ROM, iPXE, a relay) and cross-check the codec against a second implementation.
/// </summary>
public sealed class DhcpWire
{
    private readonly List<(byte Code, byte[] Value)> _options = [];

    public byte Op { get; set; } = 1;

    public byte HardwareType { get; set; } = 1;

    public byte HardwareLength { get; set; } = 6;

    public byte Hops { get; set; }

    public uint Xid { get; set; } = 0x12345678;

    public ushort Seconds { get; set; }

    public ushort Flags { get; set; }

    public IPAddress ClientAddress { get; set; } = IPAddress.Any;

    public IPAddress YourAddress { get; set; } = IPAddress.Any;

    public IPAddress NextServer { get; set; } = IPAddress.Any;

    public IPAddress Gateway { get; set; } = IPAddress.Any;

    public byte[] Mac { get; set; } = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

    public byte[] ServerNameField { get; set; } = new byte[64];

    public byte[] FileField { get; set; } = new byte[128];

    /// <summary>Appends one option instance (several calls with one code make RFC 3396 split options).</summary>
    public DhcpWire Option(byte code, params byte[] value)
    {
        _options.Add((code, value));
        return this;
    }

    public DhcpWire Option(byte code, string ascii) => Option(code, System.Text.Encoding.ASCII.GetBytes(ascii));

    public DhcpWire Option(byte code, IPAddress address) => Option(code, address.GetAddressBytes());

    /// <summary>A DISCOVER from <paramref name="mac"/>.</summary>
    public static DhcpWire Discover(byte[] mac, uint xid = 0x1000) => new DhcpWire { Mac = mac, Xid = xid }.Option(53, 1);

    /// <summary>A REQUEST in SELECTING state.</summary>
    public static DhcpWire Request(byte[] mac, IPAddress requested, IPAddress server, uint xid = 0x1000)
        => new DhcpWire { Mac = mac, Xid = xid }.Option(53, 3).Option(50, requested).Option(54, server);

    /// <summary>Adds what a BIOS PXE ROM sends: option 60 "PXEClient:Arch:00000:UNDI:002001", 93 = <paramref name="arch"/>, 97 UUID.</summary>
    public DhcpWire AsPxeRom(ushort arch = 0, byte[]? uuid = null)
    {
        Option(60, $"PXEClient:Arch:{arch:D5}:UNDI:003016");
        Option(93, (byte)(arch >> 8), (byte)arch);
        Option(94, 1, 3, 16);
        var u = new byte[17];
        (uuid ?? [.. Enumerable.Range(1, 16).Select(i => (byte)i)]).CopyTo(u, 1);
        Option(97, u);
        return this;
    }

    /// <summary>Adds what iPXE sends: user class "iPXE" and 175 feature options (as captured from iPXE 1.0 ROMs).</summary>
    public DhcpWire AsIpxe()
    {
        Option(77, "iPXE");
        Option(175, 177, 5, 1, 0x1a, 0xf4, 0x10, 0x00, 0xeb, 3, 1, 0, 0, 0x17, 1, 1, 0x13, 1, 1);
        return this;
    }

    /// <summary>Serializes: header, cookie, options in order, End, zero padding to 300 bytes.</summary>
    public byte[] ToBytes()
    {
        var body = new List<byte>();
        foreach (var (code, value) in _options)
        {
            body.Add(code);
            if (code is 0 or 255)
            {
                continue;
            }

            body.Add((byte)value.Length);
            body.AddRange(value);
        }

        body.Add(255);
        var length = Math.Max(300, 240 + body.Count);
        var b = new byte[length];
        b[0] = Op;
        b[1] = HardwareType;
        b[2] = HardwareLength;
        b[3] = Hops;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), Xid);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), Seconds);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), Flags);
        ClientAddress.GetAddressBytes().CopyTo(b, 12);
        YourAddress.GetAddressBytes().CopyTo(b, 16);
        NextServer.GetAddressBytes().CopyTo(b, 20);
        Gateway.GetAddressBytes().CopyTo(b, 24);
        Mac.AsSpan(0, Math.Min(16, Mac.Length)).CopyTo(b.AsSpan(28));
        ServerNameField.AsSpan(0, 64).CopyTo(b.AsSpan(44));
        FileField.AsSpan(0, 128).CopyTo(b.AsSpan(108));
        b[236] = 99;
        b[237] = 130;
        b[238] = 83;
        b[239] = 99;
        body.CopyTo(b, 240);
        return b;
    }

    /// <summary>Finds option <paramref name="code"/> in a reply (options field only, first instance), or null.</summary>
    public static byte[]? FindOption(ReadOnlySpan<byte> message, byte code)
    {
        var i = 240;
        while (i < message.Length)
        {
            var c = message[i];
            if (c == 0)
            {
                i++;
                continue;
            }

            if (c == 255 || i + 1 >= message.Length)
            {
                return null;
            }

            var len = message[i + 1];
            if (c == code)
            {
                return message.Slice(i + 2, Math.Min(len, message.Length - i - 2)).ToArray();
            }

            i += 2 + len;
        }

        return null;
    }

    /// <summary>yiaddr of a reply.</summary>
    public static IPAddress YourAddressOf(ReadOnlySpan<byte> message) => new(message.Slice(16, 4));

    /// <summary>The message type (option 53) of a reply, or 0.</summary>
    public static byte MessageTypeOf(ReadOnlySpan<byte> message) => FindOption(message, 53) is [var t] ? t : (byte)0;
}
