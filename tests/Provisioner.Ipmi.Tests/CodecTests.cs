using Provisioner.Ipmi.Commands;
using Provisioner.Ipmi.Security;
using Provisioner.Ipmi.Wire;

namespace Provisioner.Ipmi.Tests;

[Trait("Area", "Ipmi")]
public sealed class CodecTests
{
    [Fact]
    public void BuildRequest_GetChannelAuthCapabilities_MatchesIpmitoolBytes()
    {
        // ipmitool -I lanplus sends: 20 18 c8 81 04 38 8e 04 b1 (rqSeq 1).
        var m = IpmiMessage.BuildRequest(NetFn.App, 0x38, 1, [0x8E, 0x04]);
        Assert.Equal("2018c88104388e04b1", Convert.ToHexString(m).ToLowerInvariant());
    }

    [Fact]
    public void ParseResponse_RoundTripsBuildResponse()
    {
        var m = IpmiMessage.BuildResponse(NetFn.Chassis, 0x01, 5, 0x00, [0x01, 0x00, 0x40]);
        var r = IpmiMessage.ParseResponse(m);
        Assert.Equal((byte)1, r.NetFn);
        Assert.Equal((byte)5, r.RqSeq);
        Assert.Equal([0x01, 0x00, 0x40], r.Data);
    }

    [Fact]
    public void ParseResponse_BadChecksum_Rejected()
    {
        var m = IpmiMessage.BuildResponse(NetFn.Chassis, 0x01, 5, 0x00, [0x01]);
        m[^1] ^= 1;
        var e = Assert.Throws<IpmiProtocolException>(() => IpmiMessage.ParseResponse(m));
        Assert.Equal(IpmiRejectReason.BadChecksum, e.Reason);
    }

    [Fact]
    public void BootFlags_PxeOnceEfi_EncodesParameter5()
    {
        var req = new BootFlags(true, false, true, BootDeviceSelector.Pxe).ToRequest();
        Assert.Equal([0x05, 0xA0, 0x04, 0, 0, 0], req);
        var persistentDisk = new BootFlags(true, true, false, BootDeviceSelector.Disk).ToRequest();
        Assert.Equal([0x05, 0xC0, 0x08, 0, 0, 0], persistentDisk);
    }

    [Fact]
    public void BootFlags_Parse_ReadsFlagsAndDevice()
    {
        var f = BootFlags.Parse([0x01, 0x05, 0xE0, 0x18, 0, 0, 0]);
        Assert.True(f.Valid);
        Assert.True(f.Persistent);
        Assert.True(f.Efi);
        Assert.Equal(BootDeviceSelector.BiosSetup, f.Device);
    }

    [Fact]
    public void ChassisStatus_Parse_ReadsPowerAndIdentify()
    {
        var s = ChassisStatus.Parse([0x01, 0x00, 0x60]);
        Assert.True(s.PowerOn);
        Assert.Equal((byte)2, s.IdentifyState);
        Assert.Null(ChassisStatus.Parse([0x00, 0x00, 0x00]).IdentifyState);
    }

    [Fact]
    public void ChassisStatus_TooShort_ThrowsTruncated()
    {
        var e = Assert.Throws<IpmiProtocolException>(() => ChassisStatus.Parse([0x01]));
        Assert.Equal(IpmiRejectReason.Truncated, e.Reason);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void SessionPacket_RoundTrip_DecryptsAndVerifies(int suiteId)
    {
        using var keys = new SessionKeys(CipherSuite.FromId(suiteId), new byte[suiteId == 17 ? 32 : 20]);
        var payload = IpmiMessage.BuildRequest(NetFn.Chassis, 0x01, 3, []);
        for (var extra = 0; extra < 20; extra++)
        {
            byte[] data = [.. payload, .. new byte[extra]];
            var packet = RmcpPacket.BuildV20(PayloadType.Ipmi, 0xABCD, 7, data, keys);
            var parsed = RmcpPacket.ParseV20(packet, keys, 0xABCD);
            Assert.Equal(data, parsed.Payload);
            Assert.Equal(7u, parsed.Sequence);
            Assert.Equal(0, (packet.Length - 4 - keys.IntegrityLength) % 4);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public void SessionPacket_AnyBitFlipped_Rejected(int suiteId)
    {
        using var keys = new SessionKeys(CipherSuite.FromId(suiteId), new byte[20]);
        var packet = RmcpPacket.BuildV20(PayloadType.Ipmi, 0xABCD, 7, IpmiMessage.BuildRequest(NetFn.Chassis, 0x01, 3, []), keys);
        for (var i = 4; i < packet.Length; i++)
        {
            var copy = (byte[])packet.Clone();
            copy[i] ^= 0x01;
            Assert.Throws<IpmiProtocolException>(() => RmcpPacket.ParseV20(copy, keys, 0xABCD));
        }
    }

    [Fact]
    public void SessionPacket_OtherSessionId_RejectedAsWrongSession()
    {
        using var keys = new SessionKeys(CipherSuite.Suite3, new byte[20]);
        var packet = RmcpPacket.BuildV20(PayloadType.Ipmi, 0x1111, 7, [1, 2, 3], keys);
        var e = Assert.Throws<IpmiProtocolException>(() => RmcpPacket.ParseV20(packet, keys, 0x2222));
        Assert.Equal(IpmiRejectReason.WrongSessionId, e.Reason);
    }

    [Fact]
    public void SessionPacket_Unauthenticated_RejectedInsideSession()
    {
        using var keys = new SessionKeys(CipherSuite.Suite3, new byte[20]);
        var plain = RmcpPacket.BuildV20(PayloadType.Ipmi, 0x1111, 7, [1, 2, 3], null);
        var e = Assert.Throws<IpmiProtocolException>(() => RmcpPacket.ParseV20(plain, keys, 0x1111));
        Assert.Equal(IpmiRejectReason.Unauthenticated, e.Reason);
    }

    [Fact]
    public void ParseV20_AsfPing_RejectedAsNotIpmi()
    {
        byte[] asf = [0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE, 0x80, 0x00, 0x00, 0x00];
        var e = Assert.Throws<IpmiProtocolException>(() => RmcpPacket.ParseV20(asf, null));
        Assert.Equal(IpmiRejectReason.NotIpmi, e.Reason);
    }

    [Fact]
    public void OpenSessionRequest_Suite17_ProposesSha256Algorithms()
    {
        var p = SessionSetup.OpenSessionRequest(1, 4, 0xA0B0C0D0, CipherSuite.Suite17);
        Assert.Equal(32, p.Length);
        Assert.Equal(0x03, p[12]);
        Assert.Equal(0x04, p[20]);
        Assert.Equal(0x01, p[28]);
        Assert.Equal([0xD0, 0xC0, 0xB0, 0xA0], p[4..8]);
    }
}
