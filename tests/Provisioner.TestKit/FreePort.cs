using System.Net;
using System.Net.Sockets;

namespace Provisioner.TestKit;

/// <summary>Picks ports nobody is using right now on loopback (tests never hard-code ports).</summary>
public static class FreePort
{
    private const int LowestTcp = 20000;

    /// <summary>
    /// A free TCP port below the kernel's ephemeral range. A test that restarts a server on the same port (the appliance
    /// after a crash) must not find it taken in between, and ports from the ephemeral range are handed to every outgoing
    /// connection of the machine as source ports.
    /// </summary>
    public static int Tcp()
    {
        var (ephemeralLow, _) = EphemeralRange();
        var high = Math.Max(LowestTcp + 1000, ephemeralLow);
        for (var i = 0; i < 200; i++)
        {
            var port = Random.Shared.Next(LowestTcp, high);
            try
            {
                using var l = new TcpListener(IPAddress.Loopback, port);
                l.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    public static int Udp()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static (int Low, int High) EphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return (32768, 60999); // Linux's default
        }
    }
}
