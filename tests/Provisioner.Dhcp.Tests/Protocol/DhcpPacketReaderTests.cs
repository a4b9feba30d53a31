using System.Net;
using Provisioner.Dhcp.Protocol;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.Protocol;

[Trait("Area", "Dhcp")]
public sealed class DhcpPacketReaderTests
{
    [Fact]
    public void Parse_UdhcpcDiscoverCapture_ReadsEveryField()
    {
        var p = DhcpPacketReader.Parse(TestData.Hex("udhcpc-discover.hex"));

        Assert.Equal(DhcpOpCode.BootRequest, p.Op);
        Assert.Equal(1, p.HardwareType);
        Assert.Equal(6, p.HardwareAddressLength);
        Assert.Equal("525400AABB01", p.HardwareAddress.ToString());
        Assert.Equal(DhcpMessageType.Discover, p.MessageType);
        Assert.Equal(IPAddress.Any, p.ClientAddress);
        Assert.Equal((ushort)576, p.Options.GetUInt16(DhcpOptionCode.MaxMessageSize));
        Assert.Equal([1, 3, 6, 12, 15, 28, 42], p.Options.Get(DhcpOptionCode.ParameterRequestList));
        Assert.StartsWith("udhcp ", p.Options.GetString(DhcpOptionCode.VendorClassIdentifier), StringComparison.Ordinal);
        Assert.Equal([1, 0x52, 0x54, 0x00, 0xaa, 0xbb, 0x01], p.Options.Get(DhcpOptionCode.ClientIdentifier));
    }

    [Fact]
    public void Parse_UdhcpcPosingAsPxeRom_ReadsArchitectureAndVendorClass()
    {
        var p = DhcpPacketReader.Parse(TestData.Hex("udhcpc-pxe-discover.hex"));

        Assert.Equal("PXEClient:Arch:00007:UNDI:003016", p.Options.GetString(DhcpOptionCode.VendorClassIdentifier));
        Assert.Equal([0, 7], p.Options.Get(DhcpOptionCode.ClientSystemArchitecture));
        Assert.Equal(18, p.Options.Get(DhcpOptionCode.ClientMachineIdentifier)!.Length);
    }

    [Theory]
    [InlineData("dhclient-discover.hex", new byte[] { 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42 })]
    [InlineData("dhcpcd-discover.hex", new byte[] { 1, 121, 3, 6, 12, 15, 26, 28, 33, 51, 54, 58, 59, 119 })]
    public void Parse_RealClientCaptures_ReadsRequestList(string file, byte[] prl)
    {
        var p = DhcpPacketReader.Parse(TestData.Hex(file));

        Assert.Equal(DhcpMessageType.Discover, p.MessageType);
        Assert.Equal(prl, p.Options.Get(DhcpOptionCode.ParameterRequestList));
    }

    [Theory]
    [InlineData("udhcpc-discover.hex")]
    [InlineData("udhcpc-pxe-discover.hex")]
    [InlineData("dhclient-discover.hex")]
    [InlineData("dhcpcd-discover.hex")]
    public void WriteAfterParse_RealClientCaptures_ReproducesBytesExactly(string file)
    {
        var original = TestData.Hex(file);
        var p = DhcpPacketReader.Parse(original);
        var buffer = new byte[1500];

        Assert.True(DhcpPacketWriter.TryWrite(p, buffer, 1500, out var n));

        Assert.Equal(Convert.ToHexString(original), Convert.ToHexString(buffer, 0, n));
    }

    [Fact]
    public void Parse_SplitOption_JoinsInstancesInOrder()
    {
        // RFC 3396 §5: several instances of one option are concatenated.
        var wire = DhcpWire.Discover([1, 2, 3, 4, 5, 6]).Option(43, 1, 2).Option(12, "a").Option(43, 3, 4, 5).ToBytes();

        var p = DhcpPacketReader.Parse(wire);

        Assert.Equal([1, 2, 3, 4, 5], p.Options.Get(DhcpOptionCode.VendorSpecific));
        Assert.Equal([DhcpOptionCode.MessageType, DhcpOptionCode.VendorSpecific, DhcpOptionCode.HostName], p.Options.Items.Select(o => o.Code));
    }

    [Fact]
    public void Parse_OverloadIntoFileAndSname_ReadsOptionsFromBothAndJoinsAcrossAreas()
    {
        var file = new byte[128];
        file[0] = 12; file[1] = 3; "abc"u8.CopyTo(file.AsSpan(2)); file[5] = 43; file[6] = 1; file[7] = 9; file[8] = 255;
        var sname = new byte[64];
        sname[0] = 43; sname[1] = 1; sname[2] = 10; sname[3] = 255;
        var wire = new DhcpWire { FileField = file, ServerNameField = sname }.Option(53, 1).Option(52, 3).Option(43, 8).ToBytes();

        var p = DhcpPacketReader.Parse(wire);

        Assert.Equal("abc", p.Options.GetString(DhcpOptionCode.HostName));
        Assert.Equal([8, 9, 10], p.Options.Get(DhcpOptionCode.VendorSpecific));
        Assert.Equal(string.Empty, p.BootFile);
    }

    [Fact]
    public void Parse_PadsAndMissingEnd_AreTolerated()
    {
        var wire = DhcpWire.Discover([1, 2, 3, 4, 5, 6]).Option(0).Option(0).Option(12, "x").ToBytes();
        var trimmed = wire.AsSpan(0, Array.LastIndexOf(wire, (byte)255)).ToArray();

        var p = DhcpPacketReader.Parse(trimmed);

        Assert.Equal("x", p.Options.GetString(DhcpOptionCode.HostName));
    }

    public static TheoryData<string, byte[], DhcpMalformation> Malformed()
    {
        var good = DhcpWire.Discover([1, 2, 3, 4, 5, 6]).ToBytes();
        var badCookie = (byte[])good.Clone();
        badCookie[239] = 0x64;
        var badHlen = (byte[])good.Clone();
        badHlen[2] = 17;
        var pastEnd = new DhcpWire().Option(53, 1).ToBytes()[..243];
        pastEnd[241] = 10;
        var noLength = new DhcpWire().Option(53, 1).ToBytes()[..244];
        noLength[243] = 12;
        var file = new byte[128];
        file[0] = 52; file[1] = 1; file[2] = 1;
        var loop = new DhcpWire { FileField = file }.Option(53, 1).Option(52, 1).ToBytes();
        var badOverload = new DhcpWire().Option(53, 1).Option(52, 7).ToBytes();
        return new TheoryData<string, byte[], DhcpMalformation>
        {
            { "empty", [], DhcpMalformation.Truncated },
            { "header only", good[..239], DhcpMalformation.Truncated },
            { "bad cookie", badCookie, DhcpMalformation.BadCookie },
            { "hlen 17", badHlen, DhcpMalformation.BadHardwareLength },
            { "length past end", pastEnd, DhcpMalformation.OptionTruncated },
            { "no length byte", noLength, DhcpMalformation.OptionTruncated },
            { "52 inside file", loop, DhcpMalformation.OverloadLoop },
            { "52 = 7", badOverload, DhcpMalformation.OverloadLoop },
            { "oversize", new byte[DhcpPacketReader.MaxLength + 1], DhcpMalformation.Oversize },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Parse_MalformedInput_ThrowsProtocolExceptionWithReason(string name, byte[] wire, DhcpMalformation reason)
    {
        var e = Assert.Throws<DhcpProtocolException>(() => DhcpPacketReader.Parse(wire));
        Assert.True(e.Reason == reason, $"{name}: {e.Reason}");
    }

    [Fact]
    public void Parse_GiantChainOfTinyFragments_JoinsInLinearTimeAndBoundedSize()
    {
        // 1280 one-byte instances of option 43 fill a 4 KiB datagram: the joined value is built once.
        var w = new DhcpWire().Option(53, 1);
        for (var i = 0; i < 1280; i++)
        {
            w.Option(43, (byte)i);
        }

        var wire = w.ToBytes();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var p = DhcpPacketReader.Parse(wire);

        Assert.Equal(1280, p.Options.Get(DhcpOptionCode.VendorSpecific)!.Length);
        Assert.True(sw.ElapsedMilliseconds < 500);
    }
}
