using System.Net;
using System.Net.Sockets;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.Net;
using Provisioner.TestKit;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.RealPeers;

[Trait("Area", "Dhcp")]
public sealed class RelayAndProxyTests
{
    [Fact]
    [Trait("Peer", "dhcrelay")]
    [Trait("Peer", "udhcpc")]
    public async Task Dhcrelay_RoutedRack_ClientGetsAddressFromRelayedScope()
    {
        // client --(198.18.31.0/24)-- router running dhcrelay --(198.18.30.0/24)-- our server
        await using var server = await NetNamespace.CreateAsync("rsrv");
        await using var router = await NetNamespace.CreateAsync("rrtr");
        await using var client = await NetNamespace.CreateAsync("rcli");
        var (srvIf, upIf) = await NetNamespace.LinkAsync(server, router, "198.18.30.1/24", "198.18.30.2/24");
        var (downIf, cliIf) = await NetNamespace.LinkAsync(router, client, "198.18.31.1/24");
        await server.ExecAsync("ip", "route", "add", "198.18.31.0/24", "via", "198.18.30.2");
        await router.ExecAsync("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");

        var options = new DhcpServerOptions { Interfaces = [new DhcpInterfaceOptions { Name = srvIf, Address = IPAddress.Parse("198.18.30.1") }] };
        var channels = server.RunInside(() => DhcpChannels.Open(options));
        var scopes = new InMemoryScopeSource([ServerHarness.Scope(30, srvIf, "bpod-local"), ServerHarness.Scope(31, null, "bpod-routed")]);
        await using var harness = new ServerHarness(options, channels, scopes);
        var pidFile = Path.Combine(Path.GetTempPath(), $"dhcrelay-{Guid.NewGuid():N}.pid");
        await using var relay = router.Start("dhcrelay", "-d", "-4", "-a", "-pf", pidFile, "-id", downIf, "-iu", upIf, "198.18.30.1");
        var script = await UdhcpcTests.WriteScriptAsync();
        try
        {
            var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("udhcpc", "busybox"),
                ["-i", cliIf, "-f", "-q", "-n", "-t", "8", "-T", "1", "-s", script], TimeSpan.FromSeconds(40), client.Name);
            Assert.True(rc == 0, $"udhcpc failed ({rc}): {stdout}{stderr}\nrelay: {relay.Stderr}");
            Assert.Matches(@"EVENT=bound ip=198\.18\.31\.1\d\d .*router=198\.18\.31\.1 ", stdout);
            var ack = Assert.Single(harness.Observer.Events, e => e.Replied == DhcpMessageType.Ack);
            Assert.Equal("bpod-routed", ack.ScopeId);
            Assert.Equal(IPAddress.Parse("198.18.31.1"), ack.RelayAddress);
        }
        finally
        {
            File.Delete(script);
            File.Delete(pidFile);
        }
    }

    [Fact]
    [Trait("Peer", "dnsmasq")]
    [Trait("Peer", "udhcpc")]
    public async Task Proxy_BesideDnsmasq_PxeClientGetsAddressFromDnsmasqAndBootFileFromUs()
    {
        await using var net = await DhcpTestNetwork.CreateAsync(32);
        await net.Client.AddAddressAsync(net.ClientInterface, "198.18.32.2/24");
        var leaseFile = Path.Combine(Path.GetTempPath(), $"dnsmasq-{Guid.NewGuid():N}.leases");
        await using var dnsmasq = net.Server.Start("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", $"--interface={net.ServerInterface}",
            "--bind-interfaces", "--dhcp-range=198.18.32.100,198.18.32.150,255.255.255.0,1h", "--no-ping", "--dhcp-authoritative",
            $"--dhcp-leasefile={leaseFile}", "--log-dhcp");
        var options = new DhcpServerOptions { Mode = DhcpServerMode.Proxy };
        options.Interfaces = [new DhcpInterfaceOptions { Name = net.ServerInterface, Address = net.ServerAddress }];
        var channels = net.Server.RunInside(() => DhcpChannels.Open(options));
        await using var harness = new ServerHarness(options, channels, new InMemoryScopeSource([]));
        var socket = net.Client.RunInside(() => new UdpDatagramChannel(new UdpChannelSettings
        {
            Bind = new IPEndPoint(IPAddress.Any, 68), InterfaceName = net.ClientInterface, Broadcast = true, ReuseAddress = true,
        }));
        await using var _ = socket;
        try
        {
            // A BIOS PXE ROM broadcasts DISCOVER; it must see dnsmasq's address offer and our proxy offer.
            byte[] mac = [0x52, 0x54, 0, 0x32, 0, 1];
            // Broadcast flag: the client has no address yet, so both servers must broadcast their offers.
            var discoverWire = DhcpWire.Discover(mac, 0x3201).AsPxeRom(0);
            discoverWire.Flags = 0x8000;
            var discover = discoverWire.ToBytes();
            var offers = new List<DhcpPacket>();
            var buffer = new byte[2048];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (offers.Count < 2)
            {
                await socket.SendAsync(new IPEndPoint(IPAddress.Broadcast, 67), discover, cts.Token);
                using var round = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                round.CancelAfter(TimeSpan.FromSeconds(2));
                try
                {
                    while (offers.Count < 2)
                    {
                        var r = await socket.ReceiveAsync(buffer, round.Token);
                        var p = DhcpPacketReader.Parse(buffer.AsSpan(0, r.Length));
                        if (p.Op == DhcpOpCode.BootReply && p.TransactionId == 0x3201 && p.MessageType == DhcpMessageType.Offer
                            && !offers.Any(o => o.Options.GetAddress(DhcpOptionCode.ServerIdentifier)!.Equals(p.Options.GetAddress(DhcpOptionCode.ServerIdentifier)) && o.YourAddress.Equals(p.YourAddress)))
                        {
                            offers.Add(p);
                        }
                    }
                }
                catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                {
                    // resend
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"offers: {string.Join(", ", offers.Select(o => o.YourAddress))}; dnsmasq: {dnsmasq.Stderr}; ours: {harness.Timeline()}");
                }
            }

            var fromDnsmasq = Assert.Single(offers, o => !o.YourAddress.Equals(IPAddress.Any));
            var proxy = Assert.Single(offers, o => o.YourAddress.Equals(IPAddress.Any));
            Assert.StartsWith("198.18.32.1", fromDnsmasq.YourAddress.ToString(), StringComparison.Ordinal);
            Assert.Equal("undionly.kpxe", proxy.BootFile);
            Assert.Equal("PXEClient", proxy.Options.GetString(DhcpOptionCode.VendorClassIdentifier));

            // PXE spec: after DHCP, the ROM asks the proxy on port 4011 and gets the boot file in an ACK.
            var ask = new DhcpWire { Mac = mac, Xid = 0x3202, ClientAddress = IPAddress.Parse("198.18.32.2") }.Option(53, 3).AsPxeRom(0).ToBytes();
            await socket.SendAsync(new IPEndPoint(net.ServerAddress, DhcpServer.PxePort), ask, cts.Token);
            DhcpPacket ack;
            do
            {
                var r = await socket.ReceiveAsync(buffer, cts.Token);
                ack = DhcpPacketReader.Parse(buffer.AsSpan(0, r.Length));
            }
            while (ack.TransactionId != 0x3202);

            Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
            Assert.Equal("undionly.kpxe", ack.BootFile);
            Assert.Empty(harness.Server.GetLeases());
        }
        finally
        {
            File.Delete(leaseFile);
        }

        // A plain client beside the proxy: dnsmasq answers, we stay silent.
        var script = await UdhcpcTests.WriteScriptAsync();
        try
        {
            var (rc, stdout, _) = await PeerProcess.RunAsync(Peers.Require("udhcpc", "busybox"),
                ["-i", net.ClientInterface, "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", script], TimeSpan.FromSeconds(30), net.Client.Name);
            Assert.True(rc == 0, stdout + dnsmasq.Stderr);
            Assert.Matches(@"EVENT=bound ip=198\.18\.32\.1\d\d ", stdout);
            Assert.Contains(harness.Observer.Events, e => e.DropReason == DhcpDropReason.NotPxeClient);
        }
        finally
        {
            File.Delete(script);
        }
    }
}
