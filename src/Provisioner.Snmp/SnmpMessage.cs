using System.Text;
using Provisioner.Snmp.Ber;

namespace Provisioner.Snmp;

/// <summary>SNMP PDU types (RFC 3416 §3).</summary>
public enum PduType : byte
{
    /// <summary>GetRequest-PDU.</summary>
    GetRequest = 0xA0,

    /// <summary>GetNextRequest-PDU.</summary>
    GetNextRequest = 0xA1,

    /// <summary>Response-PDU.</summary>
    Response = 0xA2,

    /// <summary>SetRequest-PDU.</summary>
    SetRequest = 0xA3,
}

/// <summary>An SNMPv2c message: version 1 (v2c), community, one PDU (RFC 1901, RFC 3416).</summary>
/// <param name="Community">Community string.</param>
/// <param name="Type">PDU type.</param>
/// <param name="RequestId">request-id.</param>
/// <param name="ErrorStatus">error-status.</param>
/// <param name="ErrorIndex">error-index (1-based varbind).</param>
/// <param name="VarBinds">Variable bindings.</param>
public sealed record SnmpMessage(string Community, PduType Type, int RequestId, int ErrorStatus, int ErrorIndex, IReadOnlyList<VarBind> VarBinds)
{
    /// <summary>Version field value for SNMPv2c.</summary>
    public const int VersionV2c = 1;

    /// <summary>Encodes the message.</summary>
    public byte[] Encode()
    {
        var w = new BerWriter();
        w.Begin(0x30);
        w.Integer(VersionV2c);
        w.Primitive(0x04, Encoding.UTF8.GetBytes(Community));
        w.Begin((byte)Type);
        w.Integer(RequestId);
        w.Integer(ErrorStatus);
        w.Integer(ErrorIndex);
        w.Begin(0x30);
        foreach (var vb in VarBinds)
        {
            w.Begin(0x30);
            w.ObjectId(vb.Oid);
            WriteValue(w, vb.Value);
            w.End();
        }

        w.End();
        w.End();
        w.End();
        return w.ToArray();
    }

    /// <summary>Decodes a message; throws <see cref="SnmpProtocolException"/> on anything malformed.</summary>
    public static SnmpMessage Decode(ReadOnlySpan<byte> data)
    {
        var outer = new BerReader(data);
        var r = new BerReader(outer.ReadTlv(0x30));
        var version = r.ReadInteger();
        if (version != VersionV2c)
        {
            throw new SnmpProtocolException($"SNMP version {version} is not v2c.");
        }

        var community = Encoding.UTF8.GetString(r.ReadTlv(0x04));
        var pduContent = r.ReadAny(out var pduTag);
        if (pduTag is < 0xA0 or > 0xA3)
        {
            throw new SnmpProtocolException($"PDU type 0x{pduTag:x2} is not handled.");
        }

        var pdu = new BerReader(pduContent);
        var requestId = (int)pdu.ReadInteger();
        var errorStatus = (int)pdu.ReadInteger();
        var errorIndex = (int)pdu.ReadInteger();
        var list = new BerReader(pdu.ReadTlv(0x30));
        var binds = new List<VarBind>();
        while (!list.End)
        {
            var vb = new BerReader(list.ReadTlv(0x30));
            var oid = BerReader.DecodeOid(vb.ReadTlv(0x06));
            var content = vb.ReadAny(out var tag);
            binds.Add(new VarBind(oid, ReadValue(tag, content)));
            if (binds.Count > 1000)
            {
                throw new SnmpProtocolException("Too many variable bindings.");
            }
        }

        return new SnmpMessage(community, (PduType)pduTag, requestId, errorStatus, errorIndex, binds);
    }

    private static void WriteValue(BerWriter w, SnmpValue v)
    {
        switch (v.Type)
        {
            case SnmpType.Integer:
            case SnmpType.Counter32:
            case SnmpType.Gauge32:
            case SnmpType.TimeTicks:
            case SnmpType.Counter64:
                w.Integer(v.Integer, (byte)v.Type);
                break;
            case SnmpType.ObjectIdentifier:
                w.ObjectId(v.ObjectId ?? throw new ArgumentException("OID value missing."));
                break;
            case SnmpType.OctetString:
            case SnmpType.IpAddress:
            case SnmpType.Opaque:
                w.Primitive((byte)v.Type, v.Bytes ?? []);
                break;
            default:
                w.Primitive((byte)v.Type, []);
                break;
        }
    }

    private static SnmpValue ReadValue(byte tag, ReadOnlySpan<byte> content) => (SnmpType)tag switch
    {
        SnmpType.Integer => new SnmpValue(SnmpType.Integer, BerReader.DecodeInteger(content, signed: true)),
        SnmpType.Counter32 or SnmpType.Gauge32 or SnmpType.TimeTicks or SnmpType.Counter64 =>
            new SnmpValue((SnmpType)tag, BerReader.DecodeInteger(content, signed: false)),
        SnmpType.OctetString or SnmpType.Opaque => new SnmpValue((SnmpType)tag, Bytes: content.ToArray()),
        SnmpType.IpAddress when content.Length == 4 => new SnmpValue(SnmpType.IpAddress, Bytes: content.ToArray()),
        SnmpType.ObjectIdentifier => new SnmpValue(SnmpType.ObjectIdentifier, ObjectId: BerReader.DecodeOid(content)),
        SnmpType.Null or SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView when content.Length == 0 =>
            new SnmpValue((SnmpType)tag),
        _ => throw new SnmpProtocolException($"Value tag 0x{tag:x2} with {content.Length} bytes is not valid."),
    };
}
