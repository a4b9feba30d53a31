namespace Provisioner.Dhcp.Protocol;

/// <summary>Why a datagram could not be parsed as a DHCP message. Values are stable: they name drop counters.</summary>
public enum DhcpMalformation
{
    /// <summary>Shorter than the 236-byte BOOTP header plus the 4-byte magic cookie.</summary>
    Truncated,
    /// <summary>The magic cookie is not 99.130.83.99 (RFC 2131 §3).</summary>
    BadCookie,
    /// <summary>hlen larger than the 16-byte chaddr field.</summary>
    BadHardwareLength,
    /// <summary>An option's length runs past the end of its area.</summary>
    OptionTruncated,
    /// <summary>Option 52 inside an overloaded field, or an invalid overload value.</summary>
    OverloadLoop,
    /// <summary>A field with a fixed size (message type, addresses) has the wrong length.</summary>
    BadOptionLength,
    /// <summary>Larger than the server accepts.</summary>
    Oversize,
}

/// <summary>The one exception the DHCP codec throws for malformed input; the server drops and counts it.</summary>
public sealed class DhcpProtocolException : Exception
{
    public DhcpProtocolException(DhcpMalformation reason, string message)
        : base(message)
    {
        Reason = reason;
    }

    public DhcpProtocolException()
        : this(DhcpMalformation.Truncated, "Malformed DHCP message.")
    {
    }

    public DhcpProtocolException(string message)
        : this(DhcpMalformation.Truncated, message)
    {
    }

    public DhcpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What was wrong.</summary>
    public DhcpMalformation Reason { get; }
}
