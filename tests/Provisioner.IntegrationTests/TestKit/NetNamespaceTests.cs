using System.Net;
using System.Net.Sockets;
using Provisioner.Net;
using Provisioner.TestKit;

namespace Provisioner.IntegrationTests.TestKit;

[Trait("Area", "TestKit")]
public sealed class NetNamespaceTests
{
    [Fact]
    [Trait("Peer", "iproute2")]
    public async Task RunInside_SocketBoundInNamespace_ReceivesFromPeerNamespaceOnly()
    {
        await using var server = await NetNamespace.CreateAsync("srv");
        await using var client = await NetNamespace.CreateAsync("cli");
        var (serverDev, _) = await NetNamespace.LinkAsync(server, client, "198.18.7.1/24", "198.18.7.2/24");

        // A channel created on a thread inside the server namespace, bound to its veth.
        await using var channel = server.RunInside(() => new UdpDatagramChannel(new UdpChannelSettings
        {
            Bind = new IPEndPoint(IPAddress.Any, 6767),
            InterfaceName = serverDev,
        }));

        var receive = channel.ReceiveAsync(new byte[64], CancellationToken.None).AsTask();
        using var sender = client.RunInside(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        await sender.SendToAsync(new byte[] { 1, 2, 3 }, new IPEndPoint(IPAddress.Parse("198.18.7.1"), 6767));

        var got = await receive.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, got.Length);
        Assert.Equal(IPAddress.Parse("198.18.7.2"), got.Remote.Address);
        Assert.Equal(IPAddress.Parse("198.18.7.1"), got.LocalAddress);
        Assert.True(got.InterfaceIndex > 0);
    }
}
