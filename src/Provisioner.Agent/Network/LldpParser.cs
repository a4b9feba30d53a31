using System.Buffers.Binary;
using System.Net;
using System.Text;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Network;

/// <summary>Decodes the neighbour identity from an LLDP Ethernet frame (IEEE 802.1AB-2016 §8).</summary>
public static class LldpParser
{
    /// <summary>LLDP EtherType.</summary>
    public const ushort EtherType = 0x88CC;

    /// <summary>Nearest-bridge group address the frames are sent to.</summary>
    public static ReadOnlySpan<byte> NearestBridge => [0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E];

    /// <summary>Parses a whole frame (Ethernet header included); null when it is not a well-formed LLDPDU.</summary>
    public static LldpNeighbor? Parse(ReadOnlySpan<byte> frame, string interfaceName)
    {
        if (frame.Length < 14 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != EtherType)
        {
            return null;
        }

        var tlvs = frame[14..];
        string? chassis = null, port = null, systemName = null, portDescription = null;
        while (tlvs.Length >= 2)
        {
            // §8.4: 7-bit type, 9-bit length.
            var header = BinaryPrimitives.ReadUInt16BigEndian(tlvs);
            var type = header >> 9;
            var length = header & 0x1FF;
            if (tlvs.Length < 2 + length)
            {
                return null;
            }

            var value = tlvs.Slice(2, length);
            switch (type)
            {
                case 0: // End of LLDPDU
                    tlvs = default;
                    continue;
                case 1 when length >= 2: // Chassis ID (§8.5.2): subtype 4 = MAC address, 5 = network address
                    chassis = Identifier(value[0], value[1..], macSubtype: 4, addressSubtype: 5);
                    break;
                case 2 when length >= 2: // Port ID (§8.5.3): subtype 3 = MAC address, 4 = network address
                    port = Identifier(value[0], value[1..], macSubtype: 3, addressSubtype: 4);
                    break;
                case 4: // Port Description
                    portDescription = Text(value);
                    break;
                case 5: // System Name
                    systemName = Text(value);
                    break;
            }

            tlvs = tlvs[(2 + length)..];
        }

        // §8.2: Chassis ID and Port ID are mandatory.
        return chassis is null || port is null ? null : new LldpNeighbor(interfaceName, chassis, port, systemName, portDescription);
    }

    private static string Identifier(byte subtype, ReadOnlySpan<byte> id, int macSubtype, int addressSubtype)
    {
        if (subtype == macSubtype && id.Length == 6)
        {
            return Convert.ToHexStringLower(id).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);
        }

        // Network address: IANA address family (1 = IPv4, 2 = IPv6), then the address.
        if (subtype == addressSubtype && id.Length is 5 or 17 && id[0] is 1 or 2)
        {
            return new IPAddress(id[1..]).ToString();
        }

        return Text(id);
    }

    private static string Text(ReadOnlySpan<byte> value)
    {
        var s = Encoding.UTF8.GetString(value).TrimEnd('\0');
        return new string(s.Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
