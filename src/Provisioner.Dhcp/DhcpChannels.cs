using System.Net;
using Provisioner.Net;

namespace Provisioner.Dhcp;

/// <summary>Opens the sockets a <see cref="DhcpServer"/> serves on.</summary>
public static class DhcpChannels
{
    /// <summary>
    /// One socket per interface on 0.0.0.0:67 bound to the device (SO_BINDTODEVICE), so broadcasts are received and
    /// sent per interface and the arrival interface is known; in proxy mode also one on 0.0.0.0:4011 per interface.
    /// With no interfaces configured, one unbound socket on 0.0.0.0:67 (relay-only deployments).
    /// Must run in the network namespace the server should serve (tests call it inside <c>NetNamespace.RunInside</c>).
    /// </summary>
    public static IReadOnlyList<IDatagramChannel> Open(DhcpServerOptions options, int serverPort = 67)
    {
        ArgumentNullException.ThrowIfNull(options);
        var channels = new List<IDatagramChannel>();
        try
        {
            var names = options.Interfaces.Count > 0 ? options.Interfaces.Select(i => (string?)i.Name).ToArray() : [null];
            foreach (var name in names)
            {
                channels.Add(Open(name, serverPort, options.ReceiveBufferSize));
                if (options.Mode == DhcpServerMode.Proxy)
                {
                    channels.Add(Open(name, DhcpServer.PxePort, options.ReceiveBufferSize));
                }
            }
        }
        catch
        {
            foreach (var c in channels)
            {
                c.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            throw;
        }

        return channels;
    }

    private static UdpDatagramChannel Open(string? interfaceName, int port, int receiveBuffer) => new(new UdpChannelSettings
    {
        Bind = new IPEndPoint(IPAddress.Any, port),
        InterfaceName = interfaceName,
        Broadcast = true,
        ReuseAddress = true,
        ReceiveBufferSize = receiveBuffer,
        SendBufferSize = 1024 * 1024,
    });
}
