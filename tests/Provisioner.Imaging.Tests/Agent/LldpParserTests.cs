using Provisioner.Agent.Network;
using Provisioner.Agent.Protocol;

namespace Provisioner.Imaging.Tests.Agent;

[Trait("Area", "Agent")]
public sealed class LldpParserTests
{
    private static byte[] Tlv(int type, params byte[] value) => [(byte)((type << 1) | (value.Length >> 8)), (byte)value.Length, .. value];

    private static byte[] Frame(params byte[][] tlvs) =>
        [0x01, 0x80, 0xC2, 0x00, 0x00, 0x0E, 0x00, 0x1C, 0x73, 0xAA, 0xBB, 0xCC, 0x88, 0xCC, .. tlvs.SelectMany(t => t)];

    [Fact]
    public void Parse_SwitchFrame_ReturnsChassisPortAndNames()
    {
        var frame = Frame(
            Tlv(1, 4, 0x00, 0x1C, 0x73, 0xAA, 0xBB, 0xCC),       // chassis: MAC
            Tlv(2, [5, .. "Ethernet12"u8.ToArray()]),            // port: interface name
            Tlv(3, 0x00, 0x78),                                  // TTL 120
            Tlv(4, [.. "to rack1-n17 eth0"u8.ToArray()]),         // port description
            Tlv(5, [.. "leaf-3.dc1"u8.ToArray()]),               // system name
            Tlv(0));

        var n = LldpParser.Parse(frame, "eth0");

        Assert.Equal(new LldpNeighbor("eth0", "00:1c:73:aa:bb:cc", "Ethernet12", "leaf-3.dc1", "to rack1-n17 eth0"), n);
    }

    [Fact]
    public void Parse_NetworkAddressChassisAndMacPort_RendersAddresses()
    {
        var frame = Frame(Tlv(1, 5, 1, 10, 77, 0, 254), Tlv(2, 3, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01), Tlv(3, 0, 120), Tlv(0));

        var n = LldpParser.Parse(frame, "eno1");

        Assert.NotNull(n);
        Assert.Equal("10.77.0.254", n.ChassisId);
        Assert.Equal("02:00:00:00:00:01", n.PortId);
        Assert.Null(n.SystemName);
    }

    [Fact]
    public void Parse_MissingPortId_ReturnsNull()
    {
        Assert.Null(LldpParser.Parse(Frame(Tlv(1, 4, 1, 2, 3, 4, 5, 6), Tlv(3, 0, 120), Tlv(0)), "eth0"));
    }

    [Fact]
    public void Parse_TlvLongerThanFrame_ReturnsNull()
    {
        var frame = Frame(Tlv(1, 4, 1, 2, 3, 4, 5, 6), [0x04, 0x20, 0x05]);

        Assert.Null(LldpParser.Parse(frame, "eth0"));
    }

    [Fact]
    public void Parse_OtherEtherType_ReturnsNull()
    {
        var frame = Frame(Tlv(1, 4, 1, 2, 3, 4, 5, 6), Tlv(2, 5, 0x41), Tlv(0));
        frame[12] = 0x08;
        frame[13] = 0x00;

        Assert.Null(LldpParser.Parse(frame, "eth0"));
    }

    [Fact]
    public void Parse_RandomBytes_NeverThrows()
    {
        var random = new Random(4242);
        for (var i = 0; i < 20_000; i++)
        {
            var frame = new byte[random.Next(0, 200)];
            random.NextBytes(frame);
            if (frame.Length > 14 && i % 2 == 0)
            {
                frame[12] = 0x88;
                frame[13] = 0xCC;
            }

            _ = LldpParser.Parse(frame, "eth0");
        }
    }
}
