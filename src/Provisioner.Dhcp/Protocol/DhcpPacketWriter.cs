using System.Buffers.Binary;
using System.Net;

namespace Provisioner.Dhcp.Protocol;

/// <summary>Serializes DHCP messages. Long options are split (RFC 3396); options that do not fit the
/// options field overflow into file and sname with option 52 when those fields are unused (RFC 2132 §9.3).</summary>
public static class DhcpPacketWriter
{
    /// <summary>RFC 1542 §3.1.1: BOOTP relay agents and old clients expect at least 300 bytes.</summary>
    public const int MinimumLength = 300;

    /// <summary>The DHCP message size every client must accept without option 57: 576 minus IP and UDP headers (RFC 2131 §2).</summary>
    public const int DefaultMaxLength = 576 - 28;

    /// <summary>Writes <paramref name="packet"/> into <paramref name="destination"/> using at most
    /// <paramref name="maxLength"/> bytes. False when the options cannot fit even with overload.</summary>
    public static bool TryWrite(DhcpPacket packet, Span<byte> destination, int maxLength, out int written)
    {
        ArgumentNullException.ThrowIfNull(packet);
        written = 0;
        var limit = Math.Min(destination.Length, maxLength);
        if (limit < DhcpPacket.OptionsOffset + 1 || packet.HardwareAddressLength > 16)
        {
            return false;
        }

        var d = destination[..limit];
        d.Clear();
        d[0] = (byte)packet.Op;
        d[1] = packet.HardwareType;
        d[2] = packet.HardwareAddressLength;
        d[3] = packet.Hops;
        BinaryPrimitives.WriteUInt32BigEndian(d[4..], packet.TransactionId);
        BinaryPrimitives.WriteUInt16BigEndian(d[8..], packet.Seconds);
        BinaryPrimitives.WriteUInt16BigEndian(d[10..], packet.Flags);
        WriteAddress(d[12..], packet.ClientAddress);
        WriteAddress(d[16..], packet.YourAddress);
        WriteAddress(d[20..], packet.NextServerAddress);
        WriteAddress(d[24..], packet.GatewayAddress);
        packet.ClientHardwareAddress.AsSpan(0, Math.Min(16, packet.ClientHardwareAddress.Length)).CopyTo(d[28..44]);
        packet.ServerNameField.AsSpan(0, Math.Min(64, packet.ServerNameField.Length)).CopyTo(d[44..108]);
        packet.FileField.AsSpan(0, Math.Min(128, packet.FileField.Length)).CopyTo(d[108..236]);
        BinaryPrimitives.WriteUInt32BigEndian(d[236..], DhcpPacket.MagicCookie);

        var items = packet.Options.Items;
        var encoded = 0;
        foreach (var o in items)
        {
            encoded += EncodedLength(o.Value.Length);
        }

        int end;
        if (DhcpPacket.OptionsOffset + encoded + 1 <= limit)
        {
            var pos = DhcpPacket.OptionsOffset;
            foreach (var o in items)
            {
                WriteInstances(d, ref pos, o, 0, o.Value.Length);
            }

            d[pos++] = (byte)DhcpOptionCode.End;
            end = pos;
        }
        else if (!TryWriteOverloaded(packet, d, out end))
        {
            return false;
        }

        written = Math.Max(end, Math.Min(MinimumLength, limit));
        return true;
    }

    private static bool TryWriteOverloaded(DhcpPacket packet, Span<byte> d, out int end)
    {
        end = 0;
        var fileFree = packet.FileField.AsSpan().IndexOfAnyExcept((byte)0) < 0;
        var snameFree = packet.ServerNameField.AsSpan().IndexOfAnyExcept((byte)0) < 0;

        // Areas in the order RFC 2131 §4.1 tells clients to read them; each keeps one byte for End.
        Span<(int Start, int Limit, int Flag)> areas =
        [
            (DhcpPacket.OptionsOffset + 3, d.Length - 1, 0),
            fileFree ? (108, 235, 1) : (0, 0, 0),
            snameFree ? (44, 107, 2) : (0, 0, 0),
        ];
        var area = 0;
        var pos = areas[0].Start;
        var used = 0;
        var mainEnd = 0;
        foreach (var o in packet.Options.Items)
        {
            // RFC 3396 §7: a long option may be split anywhere; split at area boundaries too.
            var offset = 0;
            while (true)
            {
                var room = areas[area].Limit - pos - 2;
                if (room < 1 && !(room == 0 && o.Value.Length == 0))
                {
                    do
                    {
                        area++;
                    }
                    while (area < areas.Length && areas[area].Limit == 0);

                    if (area >= areas.Length)
                    {
                        return false;
                    }

                    d[pos] = (byte)DhcpOptionCode.End;
                    if (mainEnd == 0)
                    {
                        mainEnd = pos + 1;
                    }

                    pos = areas[area].Start;
                    continue;
                }

                var take = Math.Min(Math.Min(room, 255), o.Value.Length - offset);
                d[pos] = (byte)o.Code;
                d[pos + 1] = (byte)take;
                o.Value.AsSpan(offset, take).CopyTo(d[(pos + 2)..]);
                pos += 2 + take;
                offset += take;
                used |= areas[area].Flag;
                if (offset >= o.Value.Length)
                {
                    break;
                }
            }
        }

        d[pos] = (byte)DhcpOptionCode.End;
        end = area == 0 ? pos + 1 : mainEnd;

        d[DhcpPacket.OptionsOffset] = (byte)DhcpOptionCode.OptionOverload;
        d[DhcpPacket.OptionsOffset + 1] = 1;
        d[DhcpPacket.OptionsOffset + 2] = (byte)used;
        if (used == 0)
        {
            // Nothing overflowed after all; option 52 = 0 would be invalid, make it padding.
            d.Slice(DhcpPacket.OptionsOffset, 3).Clear();
        }

        return true;
    }

    private static int EncodedLength(int valueLength) => valueLength == 0 ? 2 : valueLength + (2 * ((valueLength + 254) / 255));

    private static void WriteInstances(Span<byte> d, ref int pos, DhcpOption o, int offset, int length)
    {
        do
        {
            var take = Math.Min(255, length - offset);
            d[pos] = (byte)o.Code;
            d[pos + 1] = (byte)take;
            o.Value.AsSpan(offset, take).CopyTo(d[(pos + 2)..]);
            pos += 2 + take;
            offset += take;
        }
        while (offset < length);
    }

    private static void WriteAddress(Span<byte> d, IPAddress address)
    {
        if (!address.TryWriteBytes(d[..4], out var n) || n != 4)
        {
            throw new ArgumentException("DHCPv4 fields hold IPv4 addresses only.", nameof(address));
        }
    }
}
