using System.Net;

namespace Provisioner.Net;

/// <summary>What arrived: who sent it, how many bytes were written into the caller's buffer,
/// and on which interface and local address it arrived (from IP_PKTINFO).</summary>
public readonly record struct ReceivedDatagram(IPEndPoint Remote, int Length, int InterfaceIndex, IPAddress LocalAddress);

/// <summary>
/// A UDP endpoint as the protocol servers see it. The production implementation is
/// <see cref="UdpDatagramChannel"/>; tests use an in-memory pair (TestKit) so a whole
/// DHCP or TFTP exchange runs without sockets or privileges.
/// </summary>
public interface IDatagramChannel : IAsyncDisposable
{
    /// <summary>The local address and port this channel is bound to.</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>The interface this channel is bound to (SO_BINDTODEVICE), or null when bound to all.</summary>
    string? InterfaceName { get; }

    /// <summary>Receives one datagram into <paramref name="buffer"/>. A datagram larger than the
    /// buffer is truncated to it (the caller sizes the buffer for the protocol's maximum).</summary>
    ValueTask<ReceivedDatagram> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Sends one datagram. Broadcast destinations are allowed.</summary>
    ValueTask SendAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken);
}
