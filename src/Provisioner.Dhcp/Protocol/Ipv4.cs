using System.Buffers.Binary;
using System.Net;

namespace Provisioner.Dhcp.Protocol;

/// <summary>IPv4 addresses as host-order integers: cheap to compare, hash and count through a range.</summary>
public static class Ipv4
{
    /// <summary>The address as a host-order number (10.0.0.1 → 0x0A000001).</summary>
    public static uint ToUInt32(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> b = stackalloc byte[4];
        if (!address.TryWriteBytes(b, out var n) || n != 4)
        {
            throw new ArgumentException($"{address} is not an IPv4 address.", nameof(address));
        }

        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>The address of a host-order number.</summary>
    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new IPAddress(b);
    }

    /// <summary>The netmask of a prefix length (24 → 255.255.255.0) as a number.</summary>
    public static uint Mask(int prefixLength) => prefixLength <= 0 ? 0u : uint.MaxValue << (32 - prefixLength);

    /// <summary>True for 0.0.0.0.</summary>
    public static bool IsUnspecified(IPAddress? address) => address is null || address.Equals(IPAddress.Any);
}
