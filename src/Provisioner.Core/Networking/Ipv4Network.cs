using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.Core.Networking;

/// <summary>An IPv4 network in CIDR form ("10.77.0.0/24"), with the arithmetic DHCP scopes and templates need.</summary>
public readonly record struct Ipv4Network
{
    public Ipv4Network(IPAddress address, int prefixLength)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException("Only IPv4 networks are supported.", nameof(address));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        PrefixLength = prefixLength;
        Network = ToUInt32(address) & MaskOf(prefixLength);
    }

    /// <summary>The network address as a host-order integer.</summary>
    public uint Network { get; }

    public int PrefixLength { get; }

    public IPAddress NetworkAddress => FromUInt32(Network);

    public IPAddress Netmask => FromUInt32(MaskOf(PrefixLength));

    public IPAddress Broadcast => FromUInt32(Network | ~MaskOf(PrefixLength));

    /// <summary>Number of addresses in the network (including network and broadcast).</summary>
    public ulong Size => 1UL << (32 - PrefixLength);

    public static Ipv4Network Parse(string cidr) =>
        TryParse(cidr, out var n) ? n : throw new FormatException($"'{cidr}' is not an IPv4 network in CIDR form (expected e.g. 10.77.0.0/24).");

    public static bool TryParse(string? cidr, out Ipv4Network network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(cidr))
        {
            return false;
        }

        var parts = cidr.Trim().Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var addr) || addr.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var len) || len is < 0 or > 32)
        {
            return false;
        }

        network = new Ipv4Network(addr, len);
        return true;
    }

    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && (ToUInt32(address) & MaskOf(PrefixLength)) == Network;

    /// <summary>Whether the two networks share at least one address.</summary>
    public bool Overlaps(Ipv4Network other) => Contains(other.NetworkAddress) || other.Contains(NetworkAddress);

    /// <summary>The host number of <paramref name="address"/> in this network (0 = the network address), or null when outside it.</summary>
    public long? HostNumberOf(IPAddress address) => Contains(address) ? ToUInt32(address) - Network : null;

    /// <summary>The n-th address of the network (0 = the network address).</summary>
    public IPAddress Host(long n)
    {
        if (n < 0 || (ulong)n >= Size)
        {
            throw new ArgumentOutOfRangeException(nameof(n), $"{this} has no host number {n}.");
        }

        return FromUInt32(Network + (uint)n);
    }

    public override string ToString() => $"{NetworkAddress}/{PrefixLength}";

    public static uint MaskOf(int prefixLength) => prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);

    public static uint ToUInt32(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        if (!address.TryWriteBytes(b, out var written) || written != 4)
        {
            throw new ArgumentException($"{address} is not an IPv4 address.", nameof(address));
        }

        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static IPAddress FromUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return new IPAddress(b);
    }
}
