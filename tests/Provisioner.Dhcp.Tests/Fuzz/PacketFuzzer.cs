using System.Net;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.Fuzz;

/// <summary>Seeded generator of hostile datagrams: valid messages of every kind, mutated, truncated, extended, or pure noise.</summary>
internal sealed class PacketFuzzer(int seed)
{
    private readonly Random _random = new(seed);

    private byte[][] Seeds { get; } =
    [
        DhcpWire.Discover([0x52, 0x54, 0, 1, 2, 3]).Option(55, 1, 3, 6, 15, 121).Option(57, 2, 64).ToBytes(),
        DhcpWire.Discover([0x52, 0x54, 0, 1, 2, 4]).AsPxeRom(7).AsIpxe().ToBytes(),
        DhcpWire.Request([0x52, 0x54, 0, 1, 2, 5], IPAddress.Parse("198.18.20.120"), IPAddress.Parse("198.18.20.1")).ToBytes(),
        new DhcpWire { Gateway = IPAddress.Parse("198.18.20.1") }.Option(53, 1).Option(82, 1, 2, 3, 4, 5, 4, 198, 18, 20, 0).ToBytes(),
        new DhcpWire { ClientAddress = IPAddress.Parse("198.18.20.44") }.Option(53, 8).ToBytes(),
        new DhcpWire().Option(53, 4).Option(50, IPAddress.Parse("198.18.20.130")).ToBytes(),
        new DhcpWire { ClientAddress = IPAddress.Parse("198.18.20.130") }.Option(53, 7).ToBytes(),
        new DhcpWire { FileField = [.. new byte[] { 43, 2, 1, 2, 255 }, .. new byte[123]] }.Option(53, 1).Option(52, 1).ToBytes(),
    ];

    public byte[] Next()
    {
        var kind = _random.Next(10);
        if (kind == 0)
        {
            var noise = new byte[_random.Next(0, 1500)];
            _random.NextBytes(noise);
            return noise;
        }

        var p = (byte[])Seeds[_random.Next(Seeds.Length)].Clone();
        switch (kind)
        {
            case 1:
                return p[.._random.Next(0, p.Length)];
            case 2:
                // A giant option chain appended past the options.
                var tail = new byte[_random.Next(1, 3000)];
                for (var i = 0; i + 1 < tail.Length; i += 2)
                {
                    tail[i] = (byte)_random.Next(1, 254);
                    tail[i + 1] = (byte)_random.Next(0, 4);
                }

                return [.. p[..^1], .. tail];
            default:
                // Flip 1-8 bytes anywhere, favouring the header lengths and the option area.
                var flips = _random.Next(1, 9);
                for (var i = 0; i < flips; i++)
                {
                    var at = _random.Next(4) == 0 ? _random.Next(0, 4) : _random.Next(0, p.Length);
                    p[at] = (byte)_random.Next(256);
                }

                return p;
        }
    }
}
