using System.Net.Sockets;

namespace Provisioner.Net;

/// <summary>How a receive loop should react to a socket error.</summary>
public enum SocketErrorTier
{
    /// <summary>The socket was closed (shutdown): leave the loop quietly.</summary>
    Closed,

    /// <summary>Caused by one peer or one packet (ICMP port unreachable, message too long): log at debug and go on.</summary>
    PerPacket,

    /// <summary>The machine is short of buffers or memory: back off, then go on.</summary>
    ResourcePressure,

    /// <summary>Anything else: the listener cannot go on.</summary>
    Fatal,
}

/// <summary>Sorts socket exceptions into <see cref="SocketErrorTier"/>s, in one place for every server loop.</summary>
public static class SocketErrors
{
    public static SocketErrorTier Classify(Exception exception) => exception switch
    {
        ObjectDisposedException => SocketErrorTier.Closed,
        OperationCanceledException => SocketErrorTier.Closed,
        SocketException se => se.SocketErrorCode switch
        {
            SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown or SocketError.NotSocket => SocketErrorTier.Closed,
            SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize
                or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.AddressNotAvailable => SocketErrorTier.PerPacket,
            SocketError.NoBufferSpaceAvailable or SocketError.TooManyOpenSockets or SocketError.WouldBlock => SocketErrorTier.ResourcePressure,
            _ => SocketErrorTier.Fatal,
        },
        _ => SocketErrorTier.Fatal,
    };
}
