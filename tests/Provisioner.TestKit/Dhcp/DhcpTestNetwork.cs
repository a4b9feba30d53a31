using System.Net;

namespace Provisioner.TestKit.Dhcp;

/// <summary>
/// Two network namespaces joined by a veth pair: "server" holds 198.18.N.1/24 on <see cref="ServerInterface"/>,
/// "client" holds <see cref="ClientInterface"/> with no address (a DHCP client configures it).
/// Removed on dispose, also when the test fails.
/// </summary>
public sealed class DhcpTestNetwork : IAsyncDisposable
{
    private DhcpTestNetwork(NetNamespace server, NetNamespace client, string serverIf, string clientIf, int subnet)
    {
        Server = server;
        Client = client;
        ServerInterface = serverIf;
        ClientInterface = clientIf;
        Subnet = subnet;
    }

    public NetNamespace Server { get; }

    public NetNamespace Client { get; }

    public string ServerInterface { get; }

    public string ClientInterface { get; }

    /// <summary>N in 198.18.N.0/24.</summary>
    public int Subnet { get; }

    /// <summary>198.18.N.1.</summary>
    public IPAddress ServerAddress => IPAddress.Parse($"198.18.{Subnet}.1");

    /// <summary>198.18.N.0.</summary>
    public IPAddress Network => IPAddress.Parse($"198.18.{Subnet}.0");

    /// <summary>Creates the namespaces and the link.</summary>
    public static async Task<DhcpTestNetwork> CreateAsync(int subnet = 10)
    {
        var server = await NetNamespace.CreateAsync("dsrv");
        NetNamespace? client = null;
        try
        {
            client = await NetNamespace.CreateAsync("dcli");
            var (s, c) = await NetNamespace.LinkAsync(server, client, $"198.18.{subnet}.1/24");
            return new DhcpTestNetwork(server, client, s, c, subnet);
        }
        catch
        {
            await server.DisposeAsync();
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The IPv4 addresses on the client interface (ip -4 -o addr).</summary>
    public async Task<IReadOnlyList<string>> ClientAddressesAsync()
    {
        var text = await Client.ExecAsync("ip", "-4", "-o", "addr", "show", "dev", ClientInterface);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => f[Array.IndexOf(f, "inet") + 1])
            .ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
