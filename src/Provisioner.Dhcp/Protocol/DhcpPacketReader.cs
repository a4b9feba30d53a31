using System.Buffers;
using System.Buffers.Binary;

namespace Provisioner.Dhcp.Protocol;

/// <summary>Parses DHCP messages from wire bytes. Throws <see cref="DhcpProtocolException"/> on malformed input.</summary>
public static class DhcpPacketReader
{
    /// <summary>Largest datagram accepted; anything larger is dropped (a DHCP message fits an Ethernet frame).</summary>
    public const int MaxLength = 4096;

    private readonly record struct Slice(byte Code, byte Area, int Offset, int Length);

    /// <summary>Parses one message.</summary>
    public static DhcpPacket Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < DhcpPacket.OptionsOffset)
        {
            throw new DhcpProtocolException(DhcpMalformation.Truncated, $"{data.Length} bytes is shorter than a DHCP header.");
        }

        if (data.Length > MaxLength)
        {
            throw new DhcpProtocolException(DhcpMalformation.Oversize, $"{data.Length} bytes is larger than {MaxLength}.");
        }

        if (data[2] > 16)
        {
            throw new DhcpProtocolException(DhcpMalformation.BadHardwareLength, $"hlen {data[2]} is larger than 16.");
        }

        // RFC 2131 §3: the first four octets of options are the magic cookie.
        if (BinaryPrimitives.ReadUInt32BigEndian(data[236..]) != DhcpPacket.MagicCookie)
        {
            throw new DhcpProtocolException(DhcpMalformation.BadCookie, "Bad magic cookie.");
        }

        var p = new DhcpPacket
        {
            Op = (DhcpOpCode)data[0],
            HardwareType = data[1],
            HardwareAddressLength = data[2],
            Hops = data[3],
            TransactionId = BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            Seconds = BinaryPrimitives.ReadUInt16BigEndian(data[8..]),
            Flags = BinaryPrimitives.ReadUInt16BigEndian(data[10..]),
            ClientAddress = DhcpPacket.ReadAddress(data[12..]),
            YourAddress = DhcpPacket.ReadAddress(data[16..]),
            NextServerAddress = DhcpPacket.ReadAddress(data[20..]),
            GatewayAddress = DhcpPacket.ReadAddress(data[24..]),
            ClientHardwareAddress = data.Slice(28, 16).ToArray(),
        };

        var options = data[DhcpPacket.OptionsOffset..];
        var sname = data.Slice(44, 64);
        var file = data.Slice(108, 128);

        // Every option instance becomes a slice; instances of one code are joined afterwards in order
        // (options, then file, then sname: RFC 3396 §5 / RFC 2131 §4.1). One pass, one array per code:
        // a chain of thousands of tiny fragments costs linear time, never quadratic copying.
        var slices = ArrayPool<Slice>.Shared.Rent(data.Length / 2 + 1);
        try
        {
            var count = 0;
            ReadArea(options, 0, slices, ref count);
            var overload = FindOverload(options, slices, count);
            if (overload is < 0 or > 3)
            {
                throw new DhcpProtocolException(DhcpMalformation.OverloadLoop, $"Option 52 value {overload} is invalid.");
            }

            if ((overload & 1) != 0)
            {
                ReadArea(file, 1, slices, ref count);
            }
            else
            {
                p.FileField = file.ToArray();
            }

            if ((overload & 2) != 0)
            {
                ReadArea(sname, 2, slices, ref count);
            }
            else
            {
                p.ServerNameField = sname.ToArray();
            }

            p.Options = Join(slices.AsSpan(0, count), options, file, sname);

            // Option 52 is framing, not content: the writer decides it again from what fits.
            p.Options.Remove(DhcpOptionCode.OptionOverload);
        }
        finally
        {
            ArrayPool<Slice>.Shared.Return(slices);
        }

        return p;
    }

    private static int FindOverload(ReadOnlySpan<byte> area, Slice[] slices, int count)
    {
        var value = 0;
        var seen = false;
        for (var i = 0; i < count; i++)
        {
            if (slices[i].Code == (byte)DhcpOptionCode.OptionOverload)
            {
                if (slices[i].Length != 1 || seen)
                {
                    throw new DhcpProtocolException(DhcpMalformation.OverloadLoop, "Option 52 must appear once with one byte.");
                }

                seen = true;
                value = area[slices[i].Offset];
            }
        }

        return value;
    }

    private static void ReadArea(ReadOnlySpan<byte> area, byte areaId, Slice[] slices, ref int count)
    {
        var i = 0;
        while (i < area.Length)
        {
            var code = area[i];
            if (code == (byte)DhcpOptionCode.Pad)
            {
                i++;
                continue;
            }

            if (code == (byte)DhcpOptionCode.End)
            {
                return;
            }

            if (i + 1 >= area.Length)
            {
                throw new DhcpProtocolException(DhcpMalformation.OptionTruncated, $"Option {code} has no length byte.");
            }

            var len = area[i + 1];
            if (i + 2 + len > area.Length)
            {
                throw new DhcpProtocolException(DhcpMalformation.OptionTruncated, $"Option {code} length {len} runs past the end.");
            }

            // RFC 2131 §4.1: option 52 may appear only in the options field; in file/sname it would loop.
            if (areaId != 0 && code == (byte)DhcpOptionCode.OptionOverload)
            {
                throw new DhcpProtocolException(DhcpMalformation.OverloadLoop, "Option 52 inside an overloaded field.");
            }

            slices[count++] = new Slice(code, areaId, i + 2, len);
            i += 2 + len;
        }

        // A missing End option is tolerated (several ROMs pad to the end instead), as ISC and Kea do.
    }

    private static DhcpOptionList Join(ReadOnlySpan<Slice> slices, ReadOnlySpan<byte> options, ReadOnlySpan<byte> file, ReadOnlySpan<byte> sname)
    {
        Span<int> total = stackalloc int[256];
        Span<int> filled = stackalloc int[256];
        Span<bool> seen = stackalloc bool[256];
        total.Clear();
        filled.Clear();
        seen.Clear();
        var order = new List<byte>(Math.Min(slices.Length, 64));
        foreach (var s in slices)
        {
            if (!seen[s.Code])
            {
                seen[s.Code] = true;
                order.Add(s.Code);
            }

            total[s.Code] += s.Length;
        }

        Span<int> index = stackalloc int[256];
        var items = new List<DhcpOption>(order.Count);
        foreach (var code in order)
        {
            index[code] = items.Count;
            items.Add(new DhcpOption((DhcpOptionCode)code, total[code] == 0 ? [] : new byte[total[code]]));
        }

        foreach (var s in slices)
        {
            var src = s.Area switch { 0 => options, 1 => file, _ => sname };
            src.Slice(s.Offset, s.Length).CopyTo(items[index[s.Code]].Value.AsSpan(filled[s.Code]));
            filled[s.Code] += s.Length;
        }

        return new DhcpOptionList(items);
    }
}
