namespace Provisioner.Ipmi;

/// <summary>Why an incoming RMCP/RMCP+ packet was rejected. Each reason has its own counter.</summary>
public enum IpmiRejectReason
{
    /// <summary>Shorter than its headers or declared lengths.</summary>
    Truncated,

    /// <summary>Not an RMCP packet of class IPMI (version, class or ASF ping).</summary>
    NotIpmi,

    /// <summary>An authentication type or payload type this session does not expect.</summary>
    UnexpectedFormat,

    /// <summary>The session id is not ours.</summary>
    WrongSessionId,

    /// <summary>An in-session packet without integrity protection.</summary>
    Unauthenticated,

    /// <summary>The integrity code (AuthCode) does not match.</summary>
    BadIntegrity,

    /// <summary>The session sequence number was seen before or is outside the window.</summary>
    Replayed,

    /// <summary>Confidentiality padding or block length is wrong after decryption.</summary>
    BadEncryption,

    /// <summary>An IPMI message checksum is wrong.</summary>
    BadChecksum,

    /// <summary>Well formed but answers another request (stale retransmission).</summary>
    Unsolicited,
}

/// <summary>Malformed or forged IPMI input. The client drops such a packet, counts it and keeps waiting.</summary>
public sealed class IpmiProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public IpmiProtocolException(IpmiRejectReason reason, string message) : base(message) => Reason = reason;

    /// <summary>Creates the exception (reason <see cref="IpmiRejectReason.Truncated"/>).</summary>
    public IpmiProtocolException() : this(IpmiRejectReason.Truncated, "Malformed IPMI packet.") { }

    /// <summary>Creates the exception (reason <see cref="IpmiRejectReason.Truncated"/>).</summary>
    public IpmiProtocolException(string message) : this(IpmiRejectReason.Truncated, message) { }

    /// <summary>Creates the exception (reason <see cref="IpmiRejectReason.Truncated"/>).</summary>
    public IpmiProtocolException(string message, Exception inner) : base(message, inner) => Reason = IpmiRejectReason.Truncated;

    /// <summary>The counter this rejection goes to.</summary>
    public IpmiRejectReason Reason { get; }
}
