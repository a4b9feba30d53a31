using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Net;

namespace Provisioner.Dhcp;

/// <summary>
/// Answers IPv6 router solicitations on a provisioning interface with a router advertisement of router lifetime 0
/// (RFC 4861 §4.2, §6.2.6): "there is no IPv6 router here". iPXE otherwise waits about 16 s for a router on every
/// boot (virtual-rack gotcha 1). No prefixes, no default route, no addresses are announced.
/// </summary>
public sealed partial class RouterAdvertisementResponder : IAsyncDisposable
{
    private const byte RouterSolicitation = 133;
    private const byte RouterAdvertisement = 134;
    private const int SolSocket = 1;
    private const int SoBindToDevice = 25;
    private static readonly IPAddress AllRouters = IPAddress.Parse("ff02::2");
    private readonly Socket _socket;
    private readonly IPEndPoint _allNodes;
    private readonly ILogger _logger;

    private RouterAdvertisementResponder(Socket socket, string interfaceName, int interfaceIndex, ILogger logger)
    {
        _socket = socket;
        InterfaceName = interfaceName;
        _allNodes = new IPEndPoint(new IPAddress(IPAddress.Parse("ff02::1").GetAddressBytes(), interfaceIndex), 0);
        _logger = logger;
    }

    /// <summary>The interface served.</summary>
    public string InterfaceName { get; }

    /// <summary>Advertisements sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    private long _sent;

    /// <summary>Opens a raw ICMPv6 socket on <paramref name="interfaceName"/> (needs CAP_NET_RAW; Linux). Call it in the
    /// network namespace to serve.</summary>
    public static RouterAdvertisementResponder Open(string interfaceName, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Router advertisements need Linux raw sockets.");
        }

        var index = (int)IfNameToIndex(interfaceName);
        if (index == 0)
        {
            throw new ArgumentException($"No interface named {interfaceName}.", nameof(interfaceName));
        }

        var socket = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
        try
        {
            socket.SetRawSocketOption(SolSocket, SoBindToDevice, Encoding.ASCII.GetBytes(interfaceName + "\0"));
            // RFC 4861 §6.1.2: neighbour discovery messages carry hop limit 255 so receivers know they are on-link.
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.IpTimeToLive, 255);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
            socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(AllRouters, index));
            socket.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RouterAdvertisementResponder(socket, interfaceName, index, logger ?? NullLogger.Instance);
    }

    /// <summary>Answers solicitations until cancelled; returns cleanly then.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[1500];
        var ra = BuildAdvertisement();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), cancellationToken).ConfigureAwait(false);

                // Raw ICMPv6 sockets deliver the ICMPv6 message without the IPv6 header (RFC 3542 §3).
                if (r.ReceivedBytes < 8 || buffer[0] != RouterSolicitation || buffer[1] != 0)
                {
                    continue;
                }

                await _socket.SendToAsync(ra, SocketFlags.None, _allNodes, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _sent);
                Log.Answered(_logger, InterfaceName, ((IPEndPoint)r.RemoteEndPoint).Address);
            }
            catch (Exception e) when (SocketErrors.Classify(e) == SocketErrorTier.Closed)
            {
                return;
            }
            catch (Exception e) when (SocketErrors.Classify(e) is SocketErrorTier.PerPacket or SocketErrorTier.ResourcePressure)
            {
                Log.SendFailed(_logger, InterfaceName, e);
            }
        }
    }

    /// <summary>RFC 4861 §4.2 router advertisement: cur hop limit 64, no M/O flags, router lifetime 0, no options.
    /// The kernel fills the checksum of raw ICMPv6 sockets.</summary>
    internal static byte[] BuildAdvertisement() => [RouterAdvertisement, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static uint IfNameToIndex(string name) => NativeIfNameToIndex(Encoding.UTF8.GetBytes(name + "\0"));

    [DllImport("libc", EntryPoint = "if_nametoindex")]
    private static extern uint NativeIfNameToIndex(byte[] name);

    private static partial class Log
    {
        [LoggerMessage(1020, LogLevel.Debug, "Router solicitation from {Source} on {Interface} answered with router lifetime 0")]
        public static partial void Answered(ILogger logger, string @interface, IPAddress source);

        [LoggerMessage(1021, LogLevel.Debug, "Router advertisement on {Interface} failed")]
        public static partial void SendFailed(ILogger logger, string @interface, Exception exception);
    }
}
