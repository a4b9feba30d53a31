using System.Diagnostics.CodeAnalysis;

namespace Provisioner.Tftp.Protocol;

/// <summary>A datagram that is not a well-formed TFTP packet. The server drops (or answers) it and counts it;
/// it never leaves the server loop.</summary>
public sealed class TftpProtocolException : Exception
{
    public TftpProtocolException()
    {
    }

    public TftpProtocolException(string message)
        : base(message)
    {
    }

    public TftpProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    [DoesNotReturn]
    internal static void Throw(string message) => throw new TftpProtocolException(message);
}
