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

    /// <summary>
    /// Sends <paramref name="payload"/> as consecutive datagrams of <paramref name="segmentSize"/> bytes each (the
    /// last may be shorter), in order. A channel that can hand the kernel the whole run at once (UDP segmentation
    /// offload) does; this default sends them one by one. Callers keep a run within
    /// <see cref="DatagramSegments.MaxPayload"/> bytes and <see cref="DatagramSegments.MaxCount"/> datagrams.
    /// </summary>
    ValueTask SendSegmentsAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, int segmentSize, CancellationToken cancellationToken)
        => DatagramSegments.SendOneByOneAsync(this, remote, payload, segmentSize, cancellationToken);
}
