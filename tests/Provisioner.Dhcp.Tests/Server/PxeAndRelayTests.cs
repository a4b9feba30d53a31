using System.Net;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.Server;

[Trait("Area", "Dhcp")]
public sealed class PxeAndRelayTests
{
    private static readonly byte[] Mac = [0x52, 0x54, 0, 0xaa, 0, 1];

    [Theory]
    [InlineData((ushort)0, "undionly.kpxe")]
    [InlineData((ushort)6, "ipxe-i386.efi")]
    [InlineData((ushort)7, "snponly.efi")]
    [InlineData((ushort)9, "snponly.efi")]
    [InlineData((ushort)11, "snponly-arm64.efi")]
    public async Task PxeRom_ByArchitecture_GetsBootFileNextServerAndPxeOptions(ushort arch, string file)
    {
        await using var s = new InMemoryServer();

        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(Mac).AsPxeRom(arch).Option(55, 1, 3, 43, 60, 66, 67, 97));

        Assert.Equal(file, offer.BootFile);
        Assert.Equal(file, offer.Options.GetString(DhcpOptionCode.BootFileName));
        Assert.Equal(InMemoryServer.ServerAddress, offer.NextServerAddress);
        Assert.Equal("198.18.1.1", offer.Options.GetString(DhcpOptionCode.TftpServerName));
        Assert.Equal("PXEClient", offer.Options.GetString(DhcpOptionCode.VendorClassIdentifier));
        Assert.Equal([6, 1, 8, 255], offer.Options.Get(DhcpOptionCode.VendorSpecific));
        Assert.Equal(17, offer.Options.Get(DhcpOptionCode.ClientMachineIdentifier)!.Length);
        var ev = Assert.Single(s.Observer.Events);
        Assert.Equal((ClientArchitecture)arch, ev.Architecture);
        Assert.Equal(file, ev.BootFile);
        Assert.Equal(new Guid(Enumerable.Range(1, 16).Select(i => (byte)i).ToArray()), ev.Uuid);
    }

    [Fact]
    public async Task HttpBootClient_Arch16_GetsHttpUrlAndHttpClientVendorClass()
    {
        await using var s = new InMemoryServer();
        var discover = DhcpWire.Discover(Mac).Option(60, "HTTPClient:Arch:00016:UNDI:003001").Option(93, 0, 16);

        var (offer, _) = await s.ExchangeAsync(discover);

        Assert.Equal("http://198.18.1.1:8080/boot/ipxe.efi", offer.Options.GetString(DhcpOptionCode.BootFileName));
        Assert.Equal("HTTPClient", offer.Options.GetString(DhcpOptionCode.VendorClassIdentifier));
    }

    [Fact]
    public async Task Ipxe_UserClass_GetsScriptUrlAndNoProxyDhcpWait()
    {
        await using var s = new InMemoryServer();

        var ack = await s.LeaseAsync(Mac, 7, w => w.AsPxeRom(0).AsIpxe());

        Assert.Equal("http://198.18.1.1:8080/boot/52-54-00-aa-00-01.ipxe", ack.Options.GetString(DhcpOptionCode.BootFileName));
        Assert.Equal([176, 1, 1], ack.Options.Get(DhcpOptionCode.IpxeEncapsulated));
        var ev = s.Observer.Events[^1];
        Assert.True(ev.IsIpxe);
        Assert.Equal(DhcpMessageType.Ack, ev.Replied);
    }

    [Fact]
    public async Task PlainClient_GetsLeaseWithoutBootFile()
    {
        await using var s = new InMemoryServer();

        var ack = await s.LeaseAsync(Mac, 1, w => w.Option(60, "udhcp 1.35.0"));

        Assert.Equal(string.Empty, ack.BootFile);
        Assert.Null(ack.Options.Get(DhcpOptionCode.BootFileName));
        Assert.Equal(IPAddress.Any, ack.NextServerAddress);
    }

    [Fact]
    public async Task Policy_LeaseOnlyForKnownNode_BootsFromDiskWithoutBootFile()
    {
        await using var s = new InMemoryServer(policy: new FixedPolicy(DhcpBootDecision.LeaseOnly("deployed: local disk")));

        var ack = await s.LeaseAsync(Mac, 1, w => w.AsPxeRom(7));

        Assert.Null(ack.Options.Get(DhcpOptionCode.BootFileName));
        Assert.Equal("deployed: local disk", s.Observer.Events[^1].Reason);
    }

    [Fact]
    public async Task Relay_Giaddr_SelectsScopeRepliesToRelayAndEchoesOption82Last()
    {
        var local = ServerHarness.Scope(1, "eth0", "bpod-local");
        var routed = ServerHarness.Scope(7, null, "bpod-routed");
        await using var s = new InMemoryServer(scopes: [local, routed]);
        byte[] agent = [1, 4, 0xde, 0xad, 0xbe, 0xef, 2, 3, 9, 8, 7];
        var discover = new DhcpWire { Mac = Mac, Gateway = IPAddress.Parse("198.18.7.1"), Hops = 1 }.Option(53, 1).Option(55, 1, 3).Option(82, agent);

        var (offer, to) = await s.ExchangeAsync(discover, new IPEndPoint(IPAddress.Parse("198.18.7.1"), 67));

        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.18.7.1"), 67), to);
        Assert.Equal(IPAddress.Parse("198.18.7.100"), offer.YourAddress);
        Assert.Equal(IPAddress.Parse("198.18.7.1"), offer.GatewayAddress);
        Assert.Equal(agent, offer.Options.Get(DhcpOptionCode.RelayAgentInformation));
        Assert.Equal(DhcpOptionCode.RelayAgentInformation, offer.Options.Items[^1].Code);
        Assert.Equal("bpod-routed", s.Observer.Events[^1].ScopeId);
    }

    [Fact]
    public async Task Relay_LinkSelectionSubOption_OverridesGiaddr()
    {
        var routed = ServerHarness.Scope(7, null, "bpod-7");
        var other = ServerHarness.Scope(8, null, "bpod-8");
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0"), routed, other]);
        var discover = new DhcpWire { Mac = Mac, Gateway = IPAddress.Parse("198.18.7.1") }.Option(53, 1).Option(82, 5, 4, 198, 18, 8, 0);

        var (offer, _) = await s.ExchangeAsync(discover);

        Assert.Equal(IPAddress.Parse("198.18.8.100"), offer.YourAddress);
    }

    [Fact]
    public async Task Relay_SubnetSelectionOption118_SelectsScope()
    {
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0"), ServerHarness.Scope(8, null, "bpod-8")]);
        var discover = new DhcpWire { Mac = Mac, Gateway = IPAddress.Parse("10.0.0.1") }.Option(53, 1).Option(118, 198, 18, 8, 0);

        var (offer, _) = await s.ExchangeAsync(discover);

        Assert.Equal(IPAddress.Parse("198.18.8.100"), offer.YourAddress);
    }

    [Fact]
    public async Task Relay_NakThroughRelay_SetsBroadcastBit()
    {
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0"), ServerHarness.Scope(7, null, "bpod-7")]);
        var request = new DhcpWire { Mac = Mac, Gateway = IPAddress.Parse("198.18.7.1") }.Option(53, 3).Option(50, IPAddress.Parse("198.18.7.150"));

        var (nak, to) = await s.ExchangeAsync(request);

        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
        Assert.True(nak.IsBroadcast);
        Assert.Equal(67, to.Port);
    }

    [Fact]
    public async Task Relay_UnknownGiaddr_IsDroppedAsNoScope()
    {
        await using var s = new InMemoryServer();

        await s.AssertNoReplyAsync(new DhcpWire { Mac = Mac, Gateway = IPAddress.Parse("10.1.2.3") }.Option(53, 1));

        Assert.Equal(1, s.Server.Counters.Snapshot().Dropped[DhcpDropReason.NoScope]);
    }

    [Fact]
    public async Task Proxy_PxeDiscoverOn67_OffersBootFileWithoutAddress()
    {
        await using var s = new InMemoryServer(options: new DhcpServerOptions { Mode = DhcpServerMode.Proxy });

        var (offer, to) = await s.ExchangeAsync(DhcpWire.Discover(Mac).AsPxeRom(0));

        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Equal(IPAddress.Any, offer.YourAddress);
        Assert.Equal("undionly.kpxe", offer.BootFile);
        Assert.Equal("PXEClient", offer.Options.GetString(DhcpOptionCode.VendorClassIdentifier));
        Assert.Null(offer.Options.Get(DhcpOptionCode.LeaseTime));
        Assert.Null(offer.Options.Get(DhcpOptionCode.Router));
        Assert.Equal(IPAddress.Broadcast, to.Address);
    }

    [Fact]
    public async Task Proxy_NonPxeClientAndRequestsOn67_AreLeftToTheDhcpServer()
    {
        await using var s = new InMemoryServer(options: new DhcpServerOptions { Mode = DhcpServerMode.Proxy });

        await s.AssertNoReplyAsync(DhcpWire.Discover(Mac).Option(60, "udhcp 1.35.0"));
        await s.AssertNoReplyAsync(DhcpWire.Request(Mac, IPAddress.Parse("198.18.1.5"), IPAddress.Parse("198.18.1.2")).AsPxeRom(0));

        Assert.Equal(1, s.Server.Counters.Snapshot().Dropped[DhcpDropReason.NotPxeClient]);
    }

    [Fact]
    public async Task Proxy_RequestOnPort4011_AcksUnicastToSender()
    {
        await using var s = new InMemoryServer(options: new DhcpServerOptions { Mode = DhcpServerMode.Proxy }, port: DhcpServer.PxePort);
        var client = new IPEndPoint(IPAddress.Parse("198.18.1.77"), 68);
        var request = new DhcpWire { Mac = Mac, ClientAddress = client.Address }.Option(53, 3).AsPxeRom(7);

        var (ack, to) = await s.ExchangeAsync(request, client);

        Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
        Assert.Equal(client, to);
        Assert.Equal("snponly.efi", ack.BootFile);
    }

    private sealed class FixedPolicy(DhcpBootDecision decision) : IDhcpBootPolicy
    {
        public ValueTask<DhcpBootDecision> DecideAsync(PxeClientInfo client, CancellationToken cancellationToken) => ValueTask.FromResult(decision);
    }
}
