using System.Net;
using System.Net.Sockets;
using Provisioner.Net;

namespace Provisioner.Tftp.Transport;

/// <summary>
/// The socket of one transfer: an unconnected UDP socket on an ephemeral port (unconnected, so that packets
/// from a foreign port still arrive and can be answered with error 5). Tuned for one peer:
/// <list type="bullet">
/// <item>The peer's socket address is kept, so sending and receiving allocate nothing per packet, and there is
/// no IP_PKTINFO to parse (the transfer already knows where it talks from).</item>
/// <item>A window goes to the kernel in one send with UDP segmentation offload (UDP_SEGMENT, Linux 4.18+): one
/// system call and one trip through the stack for up to 64 blocks. The window also lands in the client's socket
/// at once, so the client drains it in one wake-up instead of waking for every block.</item>
/// </list>
/// </summary>
public sealed class UdpTransferChannel : IDatagramChannel
{
    // setsockopt(SOL_UDP, UDP_SEGMENT): the size every send is cut into (0: off).
    private const int SolUdp = 17;
    private const int UdpSegment = 103;

    private readonly Socket _socket;
    private readonly SocketAddress _received;
    private IPEndPoint? _peer;
    private SocketAddress? _peerAddress;
    private int _segmentSize;

    /// <summary>Binds to <paramref name="bind"/> (address and port 0 for an ephemeral port).</summary>
    /// <param name="bind">Local address and port.</param>
    /// <param name="sendBufferSize">SO_SNDBUF in bytes (0 keeps the default); windows of large blocks want more.</param>
    public UdpTransferChannel(IPEndPoint bind, int sendBufferSize = 0)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (sendBufferSize > 0)
            {
                _socket.SendBufferSize = sendBufferSize;
            }

            _socket.Bind(bind);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _received = new SocketAddress(bind.AddressFamily);
        SegmentationRefused = !OperatingSystem.IsLinux();
    }

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc/>
    public string? InterfaceName => null;

    /// <summary>Runs sent with segmentation offload (a run the kernel refused is not counted).</summary>
    public long SegmentedSends { get; private set; }

    /// <summary>Whether the kernel refused segmentation offload on this socket; runs then go one datagram at a time.</summary>
    public bool SegmentationRefused { get; private set; }

    /// <inheritdoc/>
    public async ValueTask<ReceivedDatagram> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, _received, cancellationToken).ConfigureAwait(false);
        IPEndPoint remote;
        if (_peerAddress is not null && _received.Equals(_peerAddress))
        {
            remote = _peer!; // the usual case: no allocation
        }
        else
        {
            remote = (IPEndPoint)LocalEndPoint.Create(_received);
        }

        return new ReceivedDatagram(remote, n, 0, LocalEndPoint.Address);
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (_segmentSize != 0 && payload.Length > _segmentSize)
        {
            SetSegmentSize(0); // one datagram longer than the segment size (an ERROR with a long text): not to be cut
        }

        if (!ReferenceEquals(remote, _peer))
        {
            if (_peer is not null && remote.Equals(_peer))
            {
                _peer = remote;
            }
            else if (_peer is null)
            {
                // The first destination is the transfer's peer; remember it in socket form.
                _peer = remote;
                _peerAddress = remote.Serialize();
            }
            else
            {
                // Somebody else (error 5 to a stranger): the ordinary path.
                return new ValueTask(_socket.SendToAsync(payload, SocketFlags.None, remote, cancellationToken).AsTask());
            }
        }

        return SendToPeerAsync(payload, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask SendSegmentsAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, int segmentSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentSize);
        if (payload.Length <= segmentSize)
        {
            return SendAsync(remote, payload, cancellationToken);
        }

        var toPeer = _peer is not null && (ReferenceEquals(remote, _peer) || remote.Equals(_peer));
        if (!toPeer || SegmentationRefused || (_segmentSize != segmentSize && !SetSegmentSize(segmentSize)))
        {
            return DatagramSegments.SendOneByOneAsync(this, remote, payload, segmentSize, cancellationToken);
        }

        return SendSegmentedAsync(remote, payload, segmentSize, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask SendToPeerAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => await _socket.SendToAsync(payload, SocketFlags.None, _peerAddress!, cancellationToken).ConfigureAwait(false);

    private async ValueTask SendSegmentedAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, int segmentSize, CancellationToken cancellationToken)
    {
        try
        {
            await SendToPeerAsync(payload, cancellationToken).ConfigureAwait(false);
            SegmentedSends++;
        }
        catch (SocketException e) when (IsOffloadRefusal(e.SocketErrorCode))
        {
            // The route cannot take it (no checksum offload on the device, a segment above the MTU, IPsec): the
            // kernel dropped the whole run before sending any of it. One datagram at a time from now on.
            SegmentationRefused = true;
            SetSegmentSize(0);
            await DatagramSegments.SendOneByOneAsync(this, remote, payload, segmentSize, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsOffloadRefusal(SocketError error) => error is SocketError.InvalidArgument or SocketError.MessageSize
        or SocketError.OperationNotSupported or SocketError.ProtocolOption or SocketError.ProtocolNotSupported
        or SocketError.SocketError; // EIO has no name of its own

    private bool SetSegmentSize(int size)
    {
        try
        {
            Span<byte> value = stackalloc byte[sizeof(int)];
            BitConverter.TryWriteBytes(value, size);
            _socket.SetRawSocketOption(SolUdp, UdpSegment, value);
            _segmentSize = size;
            return true;
        }
        catch (SocketException) when (size != 0)
        {
            SegmentationRefused = true; // a kernel before 4.18
            return false;
        }
    }
}
