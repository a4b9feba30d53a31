using System.Globalization;
using System.Text;

namespace Provisioner.Snmp;

/// <summary>BER/SMI tags of SNMP values (X.690, RFC 2578 §7.1, RFC 3416 §3).</summary>
public enum SnmpType : byte
{
    /// <summary>INTEGER.</summary>
    Integer = 0x02,

    /// <summary>OCTET STRING.</summary>
    OctetString = 0x04,

    /// <summary>NULL (used in requests).</summary>
    Null = 0x05,

    /// <summary>OBJECT IDENTIFIER.</summary>
    ObjectIdentifier = 0x06,

    /// <summary>IpAddress.</summary>
    IpAddress = 0x40,

    /// <summary>Counter32.</summary>
    Counter32 = 0x41,

    /// <summary>Gauge32 / Unsigned32.</summary>
    Gauge32 = 0x42,

    /// <summary>TimeTicks.</summary>
    TimeTicks = 0x43,

    /// <summary>Opaque.</summary>
    Opaque = 0x44,

    /// <summary>Counter64.</summary>
    Counter64 = 0x46,

    /// <summary>noSuchObject exception.</summary>
    NoSuchObject = 0x80,

    /// <summary>noSuchInstance exception.</summary>
    NoSuchInstance = 0x81,

    /// <summary>endOfMibView exception.</summary>
    EndOfMibView = 0x82,
}

/// <summary>A typed SNMP value.</summary>
/// <param name="Type">The tag.</param>
/// <param name="Integer">The value for integer-like types.</param>
/// <param name="Bytes">The value for octet strings, IP addresses and opaque values.</param>
/// <param name="ObjectId">The value for OBJECT IDENTIFIER.</param>
public sealed record SnmpValue(SnmpType Type, long Integer = 0, byte[]? Bytes = null, Oid? ObjectId = null)
{
    /// <summary>NULL.</summary>
    public static SnmpValue Null { get; } = new(SnmpType.Null);

    /// <summary>An INTEGER.</summary>
    public static SnmpValue FromInt(int value) => new(SnmpType.Integer, value);

    /// <summary>An OCTET STRING from UTF-8 text.</summary>
    public static SnmpValue FromString(string value) => new(SnmpType.OctetString, Bytes: Encoding.UTF8.GetBytes(value));

    /// <summary>True for noSuchObject, noSuchInstance and endOfMibView.</summary>
    public bool IsException => Type is SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView;

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        SnmpType.OctetString => Encoding.UTF8.GetString(Bytes ?? []),
        SnmpType.ObjectIdentifier => ObjectId?.ToString() ?? string.Empty,
        SnmpType.IpAddress => string.Join('.', Bytes ?? []),
        SnmpType.Null or SnmpType.NoSuchObject or SnmpType.NoSuchInstance or SnmpType.EndOfMibView => Type.ToString(),
        _ => Integer.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>An OID with its value.</summary>
/// <param name="Oid">The variable.</param>
/// <param name="Value">Its value.</param>
public sealed record VarBind(Oid Oid, SnmpValue Value);
