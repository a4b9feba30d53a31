using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.RealPeers;

[Trait("Area", "Dhcp")]
public sealed class RouterAdvertisementTests
{
    [Fact]
    public void BuildAdvertisement_IsRouterAdvertisementWithLifetimeZero()
    {
        var ra = RouterAdvertisementResponder.BuildAdvertisement();

        Assert.Equal(134, ra[0]);
        Assert.Equal(0, ra[6] << 8 | ra[7]);
        Assert.Equal(16, ra.Length);
    }

    [Fact]
    public async Task Responder_RouterSolicitationFromClient_AnswersWithLifetimeZeroAdvertisement()
    {
        await using var net = await DhcpTestNetwork.CreateAsync(24);
        await WaitForLinkLocalAsync(net, net.Server, net.ServerInterface);
        await WaitForLinkLocalAsync(net, net.Client, net.ClientInterface);
        var responder = net.Server.RunInside(() => RouterAdvertisementResponder.Open(net.ServerInterface));
        await using var _ = responder;
        using var stop = new CancellationTokenSource();
        var run = responder.RunAsync(stop.Token);
        var index = await IndexAsync(net.Client, net.ClientInterface);
        using var client = net.Client.RunInside(() =>
        {
            var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
            s.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, 255);
            s.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, index);
            s.Bind(new IPEndPoint(IPAddress.IPv6Any, 0));
            return s;
        });

        // RFC 4861 §4.1 router solicitation to all-routers, as iPXE's IPv6 configurator sends it.
        var allRouters = new IPEndPoint(new IPAddress(IPAddress.Parse("ff02::2").GetAddressBytes(), index), 0);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[1500];
        byte[]? advertisement = null;
        while (advertisement is null)
        {
            await client.SendToAsync(new byte[] { 133, 0, 0, 0, 0, 0, 0, 0 }, SocketFlags.None, allRouters, cts.Token);
            using var round = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            round.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                while (true)
                {
                    var r = await client.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.IPv6Any, 0), round.Token);
                    if (buffer[0] == 134)
                    {
                        advertisement = buffer[..r.ReceivedBytes];
                        break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cts.IsCancellationRequested)
            {
                // resend
            }
        }

        Assert.Equal(0, advertisement[6] << 8 | advertisement[7]);
        // The counter moves just after the send returns: the client can see the packet first.
        for (var i = 0; i < 40 && responder.Sent < 1; i++)
        {
            await Task.Delay(50);
        }

        Assert.True(responder.Sent >= 1);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static async Task<int> IndexAsync(Provisioner.TestKit.NetNamespace ns, string device)
    {
        var line = await ns.ExecAsync("ip", "-o", "link", "show", "dev", device);
        return int.Parse(line.Split(':')[0], CultureInfo.InvariantCulture);
    }

    // Until duplicate address detection finishes the link-local address is tentative and cannot send.
    private static async Task WaitForLinkLocalAsync(DhcpTestNetwork net, Provisioner.TestKit.NetNamespace ns, string device)
    {
        _ = net;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var text = await ns.ExecAsync("ip", "-6", "-o", "addr", "show", "dev", device, "scope", "link");
            if (text.Contains("fe80", StringComparison.Ordinal) && !text.Contains("tentative", StringComparison.Ordinal))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < until, "link-local address stayed tentative: " + text);
            await Task.Delay(100);
        }
    }
}
