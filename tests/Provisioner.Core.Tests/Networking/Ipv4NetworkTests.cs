using System.Net;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Tests.Networking;

[Trait("Area", "Core")]
public sealed class Ipv4NetworkTests
{
    [Fact]
    public void Parse_HostBitsSet_NormalisesToNetwork()
    {
        var n = Ipv4Network.Parse("10.77.1.42/24");
        Assert.Equal("10.77.1.0/24", n.ToString());
        Assert.Equal(IPAddress.Parse("255.255.255.0"), n.Netmask);
        Assert.Equal(IPAddress.Parse("10.77.1.255"), n.Broadcast);
        Assert.Equal(256UL, n.Size);
    }

    [Theory]
    [InlineData("10.77.1.0/24", "10.77.1.0", true)]
    [InlineData("10.77.1.0/24", "10.77.1.255", true)]
    [InlineData("10.77.1.0/24", "10.77.2.0", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("10.77.1.7/32", "10.77.1.7", true)]
    [InlineData("10.77.1.7/32", "10.77.1.8", false)]
    [InlineData("10.77.1.0/24", "::1", false)]
    public void Contains_BoundariesAndFamilies(string cidr, string address, bool expected) =>
        Assert.Equal(expected, Ipv4Network.Parse(cidr).Contains(IPAddress.Parse(address)));

    [Fact]
    public void Host_IndexesWithinTheNetworkOnly()
    {
        var n = Ipv4Network.Parse("192.168.0.0/30");
        Assert.Equal(IPAddress.Parse("192.168.0.1"), n.Host(1));
        Assert.Equal(IPAddress.Parse("192.168.0.3"), n.Host(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => n.Host(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => n.Host(-1));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("10.0.0.0/ 8")]
    [InlineData("fe80::/64")]
    [InlineData("10.0.0.0/8/8")]
    [InlineData("banana/8")]
    public void TryParse_Malformed_ReturnsFalse(string? cidr) => Assert.False(Ipv4Network.TryParse(cidr, out _));

    [Fact]
    public void Constructor_Ipv6_Throws() => Assert.Throws<ArgumentException>(() => new Ipv4Network(IPAddress.IPv6Loopback, 64));

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.128/25", true)]
    [InlineData("10.0.0.128/25", "10.0.0.0/16", true)]
    [InlineData("10.0.0.0/24", "10.0.1.0/24", false)]
    [InlineData("10.0.0.0/31", "10.0.0.2/31", false)]
    public void Overlaps_IsSymmetric(string a, string b, bool expected)
    {
        Assert.Equal(expected, Ipv4Network.Parse(a).Overlaps(Ipv4Network.Parse(b)));
        Assert.Equal(expected, Ipv4Network.Parse(b).Overlaps(Ipv4Network.Parse(a)));
    }

    [Fact]
    public void HostNumberOf_InsideAndOutside()
    {
        var n = Ipv4Network.Parse("10.77.4.0/22");
        Assert.Equal(0, n.HostNumberOf(IPAddress.Parse("10.77.4.0")));
        Assert.Equal(257, n.HostNumberOf(IPAddress.Parse("10.77.5.1")));
        Assert.Null(n.HostNumberOf(IPAddress.Parse("10.77.8.1")));
    }
}
