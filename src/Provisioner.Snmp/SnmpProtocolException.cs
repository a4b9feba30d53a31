namespace Provisioner.Snmp;

/// <summary>Malformed BER/SNMP input. The client drops such a datagram, counts it and keeps waiting.</summary>
public sealed class SnmpProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SnmpProtocolException() : base("Malformed SNMP message.") { }

    /// <summary>Creates the exception.</summary>
    public SnmpProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public SnmpProtocolException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Why an SNMP request failed.</summary>
public enum SnmpErrorKind
{
    /// <summary>No valid answer after every retry (also: wrong community, agents stay silent).</summary>
    NoResponse,

    /// <summary>The agent answered with a non-zero error-status.</summary>
    ErrorStatus,

    /// <summary>The variable does not exist (noSuchObject / noSuchInstance).</summary>
    NoSuchName,
}

/// <summary>An SNMP request failed; the message names the agent and the reason.</summary>
public sealed class SnmpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SnmpException(SnmpErrorKind kind, string message, int errorStatus = 0) : base(message)
    {
        Kind = kind;
        ErrorStatus = errorStatus;
    }

    /// <summary>Creates the exception.</summary>
    public SnmpException() : this(SnmpErrorKind.NoResponse, "SNMP request failed.") { }

    /// <summary>Creates the exception.</summary>
    public SnmpException(string message) : this(SnmpErrorKind.NoResponse, message) { }

    /// <summary>Creates the exception.</summary>
    public SnmpException(string message, Exception inner) : base(message, inner) => Kind = SnmpErrorKind.NoResponse;

    /// <summary>The category.</summary>
    public SnmpErrorKind Kind { get; }

    /// <summary>RFC 3416 error-status (e.g. 17 notWritable, 6 noAccess, 16 authorizationError).</summary>
    public int ErrorStatus { get; }

    /// <summary>RFC 3416 §3 error-status names.</summary>
    public static string DescribeErrorStatus(int status) => status switch
    {
        0 => "noError",
        1 => "tooBig",
        2 => "noSuchName",
        3 => "badValue",
        4 => "readOnly",
        5 => "genErr",
        6 => "noAccess",
        7 => "wrongType",
        8 => "wrongLength",
        9 => "wrongEncoding",
        10 => "wrongValue",
        11 => "noCreation",
        12 => "inconsistentValue",
        13 => "resourceUnavailable",
        14 => "commitFailed",
        15 => "undoFailed",
        16 => "authorizationError",
        17 => "notWritable",
        18 => "inconsistentName",
        _ => "unknown",
    };
}
