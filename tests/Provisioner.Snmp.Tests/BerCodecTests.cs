using Provisioner.Snmp.Ber;

namespace Provisioner.Snmp.Tests;

[Trait("Area", "Snmp")]
public sealed class BerCodecTests
{
    [Fact]
    public void Encode_GetSysDescr_MatchesHandEncodedBytes()
    {
        // GET sysDescr.0, community "public", request-id 1 (BER per X.690, minimal lengths).
        var m = new SnmpMessage("public", PduType.GetRequest, 1, 0, 0, [new VarBind(Oid.Parse("1.3.6.1.2.1.1.1.0"), SnmpValue.Null)]);
        Assert.Equal("302602010104067075626c6963a019020101020100020100300e300c06082b060102010101000500",
            Convert.ToHexString(m.Encode()).ToLowerInvariant());
    }

    [Theory]
    [InlineData(0L, "020100")]
    [InlineData(127L, "02017f")]
    [InlineData(128L, "02020080")]
    [InlineData(256L, "02020100")]
    [InlineData(-1L, "0201ff")]
    [InlineData(-128L, "020180")]
    [InlineData(-129L, "0202ff7f")]
    [InlineData(2147483647L, "02047fffffff")]
    public void Integer_Encoding_IsMinimalTwosComplement(long value, string hex)
    {
        var w = new BerWriter();
        w.Integer(value);
        Assert.Equal(hex, Convert.ToHexString(w.ToArray()).ToLowerInvariant());
        var r = new BerReader(w.ToArray());
        Assert.Equal(value, r.ReadInteger());
    }

    [Fact]
    public void Counter32_TopBitSet_EncodedUnsigned()
    {
        var w = new BerWriter();
        w.Integer(0xFFFFFFFFL, 0x41);
        Assert.Equal("410500ffffffff", Convert.ToHexString(w.ToArray()).ToLowerInvariant());
    }

    [Theory]
    [InlineData("1.3.6.1.4.1.318.1.1.4.4.2.1.3.1", "060f2b06010401823e01010404020103" + "01")]
    [InlineData("2.999.3", "0603883703")]
    public void Oid_Encoding_RoundTrips(string oid, string hex)
    {
        var w = new BerWriter();
        w.ObjectId(Oid.Parse(oid));
        var bytes = w.ToArray();
        Assert.Equal(hex, Convert.ToHexString(bytes).ToLowerInvariant());
        var r = new BerReader(bytes);
        Assert.Equal(oid, BerReader.DecodeOid(r.ReadTlv(0x06)).ToString());
    }

    [Fact]
    public void Message_RoundTrip_KeepsEveryValueType()
    {
        var binds = new List<VarBind>
        {
            new(Oid.Parse("1.3.6.1.2.1.1.1.0"), SnmpValue.FromString("APC Switched Rack PDU")),
            new(Oid.Parse("1.3.6.1.2.1.1.3.0"), new SnmpValue(SnmpType.TimeTicks, 123456)),
            new(Oid.Parse("1.3.6.1.2.1.1.2.0"), new SnmpValue(SnmpType.ObjectIdentifier, ObjectId: Oid.Parse("1.3.6.1.4.1.318"))),
            new(Oid.Parse("1.3.6.1.2.1.4.20.1.1.10.0.0.1"), new SnmpValue(SnmpType.IpAddress, Bytes: [10, 0, 0, 1])),
            new(Oid.Parse("1.3.6.1.2.1.31.1.1.1.6.1"), new SnmpValue(SnmpType.Counter64, long.MaxValue)),
            new(Oid.Parse("1.3.6.1.4.1.318.1.1.4.4.2.1.3.1"), SnmpValue.FromInt(2)),
            new(Oid.Parse("1.3.6.1.4.1.318.1.1.4.4.2.1.3.9"), new SnmpValue(SnmpType.NoSuchInstance)),
        };
        var m = new SnmpMessage("private", PduType.Response, 0x12345678, 0, 0, binds);

        var back = SnmpMessage.Decode(m.Encode());

        Assert.Equal(m.Community, back.Community);
        Assert.Equal(m.RequestId, back.RequestId);
        Assert.Equal(binds.Select(b => (b.Oid.ToString(), b.Value.ToString())), back.VarBinds.Select(b => (b.Oid.ToString(), b.Value.ToString())));
    }

    [Fact]
    public void Message_LongCommunity_UsesLongFormLength()
    {
        var m = new SnmpMessage(new string('c', 300), PduType.GetRequest, 1, 0, 0, []);
        var bytes = m.Encode();
        Assert.Equal(0x82, bytes[1]);
        Assert.Equal(300, SnmpMessage.Decode(bytes).Community.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("3080")]
    [InlineData("300502010104")]
    [InlineData("3003020100")]
    [InlineData("30850000000000")]
    [InlineData("300b02010004067075626c6963")]
    public void Decode_Malformed_ThrowsProtocolException(string hex)
    {
        Assert.Throws<SnmpProtocolException>(() => SnmpMessage.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Decode_MutatedMessages_OnlyProtocolErrors()
    {
        var good = new SnmpMessage("public", PduType.Response, 77, 0, 0,
            [new VarBind(Oid.Parse("1.3.6.1.4.1.318.1.1.4.4.2.1.3.1"), SnmpValue.FromInt(1))]).Encode();
        var random = new Random(3);
        for (var i = 0; i < 50_000; i++)
        {
            var p = (byte[])good.Clone();
            if (random.Next(3) == 0)
            {
                p = p[..random.Next(p.Length)];
            }
            else
            {
                p[random.Next(p.Length)] = (byte)random.Next(256);
            }

            try
            {
                SnmpMessage.Decode(p);
            }
            catch (SnmpProtocolException)
            {
            }
        }
    }
}
