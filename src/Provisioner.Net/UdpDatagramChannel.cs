using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Provisioner.Net;

/// <summary>Settings of one UDP socket.</summary>
public sealed record UdpChannelSettings
{
    /// <summary>Address and port to bind; 0.0.0.0 to receive broadcasts.</summary>
    public required IPEndPoint Bind { get; init; }

    /// <summary>Bind the socket to one interface (SO_BINDTODEVICE), so broadcasts go out of it and only its packets arrive.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Allow sending to broadcast addresses (SO_BROADCAST).</summary>
    public bool Broadcast { get; init; }

    /// <summary>Allow several sockets on the same port (SO_REUSEADDR), needed for one socket per interface on port 67.</summary>
    public bool ReuseAddress { get; init; }

    /// <summary>Kernel receive buffer size in bytes; 0 keeps the default. Larger absorbs bursts (DHCP storms, TFTP windows).</summary>
    public int ReceiveBufferSize { get; init; }

    /// <summary>Kernel send buffer size in bytes; 0 keeps the default.</summary>
    public int SendBufferSize { get; init; }
}

/// <summary>
/// An IPv4 UDP socket that reports the arrival interface and local address of each datagram
/// (IP_PKTINFO), optionally bound to one device (SO_BINDTODEVICE, Linux).
/// </summary>
public sealed class UdpDatagramChannel : IDatagramChannel
{
    // Linux socket option numbers (asm-generic/socket.h); .NET has no named constant for it.
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;

    private readonly Socket _socket;
    private readonly EndPoint _anyRemote = new IPEndPoint(IPAddress.Any, 0);

    public UdpDatagramChannel(UdpChannelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (settings.ReuseAddress)
            {
                _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            if (settings.Broadcast)
            {
                _socket.EnableBroadcast = true;
            }

            if (settings.ReceiveBufferSize > 0)
            {
                _socket.ReceiveBufferSize = settings.ReceiveBufferSize;
            }

            if (settings.SendBufferSize > 0)
            {
                _socket.SendBufferSize = settings.SendBufferSize;
            }

            if (!string.IsNullOrEmpty(settings.InterfaceName))
            {
                if (!OperatingSystem.IsLinux())
                {
                    throw new PlatformNotSupportedException("Binding a socket to an interface needs Linux (SO_BINDTODEVICE).");
                }

                var name = Encoding.ASCII.GetBytes(settings.InterfaceName + "\0");
                _socket.SetRawSocketOption(SolSocket, SoBindToDevice, name);
            }

            _socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.PacketInformation, true);
            _socket.Bind(settings.Bind);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        InterfaceName = settings.InterfaceName;
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public string? InterfaceName { get; }

    public async ValueTask<ReceivedDatagram> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var result = await _socket.ReceiveMessageFromAsync(buffer, SocketFlags.None, _anyRemote, cancellationToken).ConfigureAwait(false);
        var info = result.PacketInformation;
        return new ReceivedDatagram((IPEndPoint)result.RemoteEndPoint, result.ReceivedBytes, info.Interface, info.Address ?? IPAddress.Any);
    }

    public async ValueTask SendAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _socket.SendToAsync(payload, SocketFlags.None, remote, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
