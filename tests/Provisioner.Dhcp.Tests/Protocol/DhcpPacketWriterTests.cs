using System.Net;
using Provisioner.Dhcp.Protocol;

namespace Provisioner.Dhcp.Tests.Protocol;

[Trait("Area", "Dhcp")]
public sealed class DhcpPacketWriterTests
{
    private static DhcpPacket Reply()
    {
        var p = new DhcpPacket
        {
            Op = DhcpOpCode.BootReply,
            TransactionId = 0xdeadbeef,
            Flags = DhcpPacket.BroadcastFlag,
            YourAddress = IPAddress.Parse("198.18.1.100"),
            NextServerAddress = IPAddress.Parse("198.18.1.1"),
            GatewayAddress = IPAddress.Parse("198.18.2.1"),
            ClientHardwareAddress = [0x52, 0x54, 0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            BootFile = "undionly.kpxe",
        };
        p.Options.SetByte(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Offer)
            .SetAddresses(DhcpOptionCode.ServerIdentifier, [IPAddress.Parse("198.18.1.1")])
            .SetUInt32(DhcpOptionCode.LeaseTime, 3600);
        return p;
    }

    [Fact]
    public void TryWrite_SimpleReply_ProducesExactBytes()
    {
        var buffer = new byte[600];

        Assert.True(DhcpPacketWriter.TryWrite(Reply(), buffer, 600, out var n));

        Assert.Equal(DhcpPacketWriter.MinimumLength, n);
        var hex = Convert.ToHexString(buffer, 0, n);
        Assert.StartsWith("02010600DEADBEEF00008000" + "00000000" + "C6120164" + "C6120101" + "C6120201" + "525400010203", hex, StringComparison.Ordinal);
        Assert.Equal("756E64696F6E6C792E6B707865", hex.Substring(108 * 2, 26));
        Assert.Equal("63825363" + "350102" + "3604C6120101" + "330400000E10" + "FF", hex.Substring(236 * 2, (4 + 3 + 6 + 6 + 1) * 2));
    }

    [Fact]
    public void TryWrite_OptionLongerThan255_SplitsAndParsesBackJoined()
    {
        var p = Reply();
        var big = Enumerable.Range(0, 600).Select(i => (byte)i).ToArray();
        p.Options.Set(DhcpOptionCode.VendorSpecific, big);
        var buffer = new byte[1500];

        Assert.True(DhcpPacketWriter.TryWrite(p, buffer, 1500, out var n));

        // 600 bytes → instances of 255, 255, 90 (RFC 3396 §7).
        var back = DhcpPacketReader.Parse(buffer.AsSpan(0, n));
        Assert.Equal(big, back.Options.Get(DhcpOptionCode.VendorSpecific));
    }

    [Fact]
    public void TryWrite_OptionsLargerThanLimit_OverloadsIntoSnameAndRoundTrips()
    {
        var p = Reply();
        var hostName = new string('h', 200);
        p.Options.SetString(DhcpOptionCode.HostName, hostName).Set(DhcpOptionCode.VendorSpecific, new byte[100]);
        var buffer = new byte[1500];

        // 548 leaves 308 option bytes; the options need ~320, the file field is in use, so sname takes the rest.
        Assert.True(DhcpPacketWriter.TryWrite(p, buffer, DhcpPacketWriter.DefaultMaxLength, out var n));

        Assert.True(n <= DhcpPacketWriter.DefaultMaxLength);
        var back = DhcpPacketReader.Parse(buffer.AsSpan(0, n));
        Assert.Equal([52, 1, 2], buffer[240..243]);
        Assert.Null(back.Options.Get(DhcpOptionCode.OptionOverload));
        Assert.Equal(hostName, back.Options.GetString(DhcpOptionCode.HostName));
        Assert.Equal(100, back.Options.Get(DhcpOptionCode.VendorSpecific)!.Length);
        Assert.Equal("undionly.kpxe", back.BootFile);
    }

    [Fact]
    public void TryWrite_MoreThanFitsEvenOverloaded_ReturnsFalse()
    {
        var p = Reply();
        p.Options.Set(DhcpOptionCode.VendorSpecific, new byte[1000]);

        Assert.False(DhcpPacketWriter.TryWrite(p, new byte[1500], DhcpPacketWriter.DefaultMaxLength, out _));
    }

    [Fact]
    public void TryWrite_ZeroLengthOption_RoundTrips()
    {
        var p = Reply();
        p.Options.Set((DhcpOptionCode)80, []);
        var buffer = new byte[600];

        Assert.True(DhcpPacketWriter.TryWrite(p, buffer, 600, out var n));

        Assert.Empty(DhcpPacketReader.Parse(buffer.AsSpan(0, n)).Options.Get((DhcpOptionCode)80)!);
    }
}
