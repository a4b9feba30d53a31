using System.Net;
using System.Net.Sockets;
using Provisioner.Net;

namespace Provisioner.Tftp.Transport;

/// <summary>
/// The socket of one transfer: an unconnected UDP socket on an ephemeral port (unconnected, so that packets
/// from a foreign port still arrive and can be answered with error 5). Tuned for one peer: the peer's socket
/// address is kept, so sending and receiving allocate nothing per packet, and there is no IP_PKTINFO to parse
/// (the transfer already knows where it talks from).
/// </summary>
public sealed class UdpTransferChannel : IDatagramChannel
{
    private readonly Socket _socket;
    private readonly SocketAddress _received;
    private IPEndPoint? _peer;
    private SocketAddress? _peerAddress;

    /// <summary>Binds to <paramref name="bind"/> (address and port 0 for an ephemeral port).</summary>
    /// <param name="bind">Local address and port.</param>
    /// <param name="sendBufferSize">SO_SNDBUF in bytes (0 keeps the default); windows of large blocks want more.</param>
    /// <param name="inlineCompletions">Run this socket's continuations on the epoll thread (see
    /// <see cref="SocketInlineCompletions"/>): a transfer's work per ACK is a few non-blocking sends, and the
    /// thread-pool hop it saves is most of the per-window cost.</param>
    public UdpTransferChannel(IPEndPoint bind, int sendBufferSize = 0, bool inlineCompletions = false)
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
            InlineCompletions = inlineCompletions && SocketInlineCompletions.TryEnable(_socket);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _received = new SocketAddress(bind.AddressFamily);
    }

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc/>
    public string? InterfaceName => null;

    /// <summary>Whether the socket's continuations run inline (asked for and supported by the runtime).</summary>
    public bool InlineCompletions { get; }

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
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask SendToPeerAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
        => await _socket.SendToAsync(payload, SocketFlags.None, _peerAddress!, cancellationToken).ConfigureAwait(false);
}
