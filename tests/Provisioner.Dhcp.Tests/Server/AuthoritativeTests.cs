using System.Net;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.Server;

[Trait("Area", "Dhcp")]
public sealed class AuthoritativeTests
{
    private static readonly byte[] MacA = [0x52, 0x54, 0, 0, 0, 0xa];
    private static readonly byte[] MacB = [0x52, 0x54, 0, 0, 0, 0xb];

    [Fact]
    public async Task Discover_NewClient_OffersPoolAddressWithScopeOptions()
    {
        await using var s = new InMemoryServer();

        var (offer, to) = await s.ExchangeAsync(DhcpWire.Discover(MacA).Option(55, 1, 3, 6, 15, 42, 51, 54));

        Assert.Equal(DhcpOpCode.BootReply, offer.Op);
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Equal(0x1000u, offer.TransactionId);
        Assert.Equal(IPAddress.Parse("198.18.1.100"), offer.YourAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Broadcast, 68), to);
        Assert.Equal(InMemoryServer.ServerAddress, offer.Options.GetAddress(DhcpOptionCode.ServerIdentifier));
        Assert.Equal(IPAddress.Parse("255.255.255.0"), offer.Options.GetAddress(DhcpOptionCode.SubnetMask));
        Assert.Equal(IPAddress.Parse("198.18.1.1"), offer.Options.GetAddress(DhcpOptionCode.Router));
        Assert.Equal("rack.test", offer.Options.GetString(DhcpOptionCode.DomainName));
        Assert.Equal(600u, offer.Options.GetUInt32(DhcpOptionCode.LeaseTime));
        Assert.Equal(300u, offer.Options.GetUInt32(DhcpOptionCode.RenewalTime));
        Assert.Equal(525u, offer.Options.GetUInt32(DhcpOptionCode.RebindingTime));
        Assert.Equal(IPAddress.Parse("198.18.1.1"), offer.Options.GetAddress(DhcpOptionCode.NtpServers));
        Assert.Equal(MacA, offer.ClientHardwareAddress[..6]);
        // RFC 2131 §4.1: the offered address is not committed yet.
        Assert.Empty(await s.Store.LoadAsync(default));
    }

    [Fact]
    public async Task Discover_FromAnIgnoredClient_GetsNoReplyNoLeaseAndIsCountedAsIgnored()
    {
        await using var s = new InMemoryServer(options: new DhcpServerOptions
        {
            IgnoredClients = [new System.Net.NetworkInformation.PhysicalAddress(MacB)],
        });

        await s.AssertNoReplyAsync(DhcpWire.Discover(MacB));
        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA));

        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Empty(await s.Store.LoadAsync(default));
        await s.AssertQuietAsync();
        Assert.Equal(1, s.Server.Counters.Snapshot().Dropped[DhcpDropReason.IgnoredClient]);
    }

    [Fact]
    public async Task Offer_ParameterRequestList_OptionsFollowRequestedOrder()
    {
        await using var s = new InMemoryServer();

        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA).Option(55, 15, 42, 6, 3, 1));

        var codes = offer.Options.Items.Select(o => (byte)o.Code).ToArray();
        Assert.Equal([53, 54, 51, 58, 59, 15, 42, 6, 3, 1], codes);
    }

    [Fact]
    public async Task Request_AfterOffer_AcksAndPersistsLeaseBeforeReplying()
    {
        await using var s = new InMemoryServer();

        var ack = await s.LeaseAsync(MacA);

        Assert.Equal(IPAddress.Parse("198.18.1.100"), ack.YourAddress);
        var stored = Assert.Single(await s.Store.LoadAsync(default));
        Assert.Equal(ack.YourAddress, stored.Address);
        Assert.Equal(DhcpLeaseState.Active, stored.State);
        Assert.Equal(s.Time.GetUtcNow() + TimeSpan.FromMinutes(10), stored.Expires);
        await s.AssertQuietAsync(); // lets the counters settle (they move after a send)
        var snapshot = s.Server.Counters.Snapshot();
        Assert.Equal(1, snapshot.Received[DhcpMessageType.Discover]);
        Assert.Equal(2, snapshot.Sent[DhcpMessageType.Ack]); // the lease's and the probe's
    }

    [Fact]
    public async Task Discover_TwoClients_NeverShareAnAddressEvenWhileOffered()
    {
        await using var s = new InMemoryServer();

        var (offerA, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA, 1));
        var (offerB, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 2).Option(50, offerA.YourAddress));

        Assert.NotEqual(offerA.YourAddress, offerB.YourAddress);
    }

    [Fact]
    public async Task Discover_KnownClient_GetsItsPreviousAddressAgain()
    {
        await using var s = new InMemoryServer();
        await s.LeaseAsync(MacB, 1);
        var first = await s.LeaseAsync(MacA, 2);

        var (again, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA, 3));

        Assert.Equal(first.YourAddress, again.YourAddress);
    }

    [Fact]
    public async Task Discover_ClientIdentifier_IdentifiesClientOverChaddr()
    {
        await using var s = new InMemoryServer();
        var first = await s.LeaseAsync(MacA, 1, w => w.Option(61, 0xff, 1, 2, 3, 4));

        // Same client id, different NIC: RFC 2131 §4.2 keys the binding on the client identifier.
        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 2).Option(61, 0xff, 1, 2, 3, 4));

        Assert.Equal(first.YourAddress, offer.YourAddress);
        Assert.Equal([0xff, 1, 2, 3, 4], offer.Options.Get(DhcpOptionCode.ClientIdentifier));
    }

    [Fact]
    public async Task Request_ForAddressLeasedToAnother_Naks()
    {
        await using var s = new InMemoryServer();
        var a = await s.LeaseAsync(MacA, 1);

        var (nak, to) = await s.ExchangeAsync(DhcpWire.Request(MacB, a.YourAddress, InMemoryServer.ServerAddress, 2));

        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
        Assert.Equal(IPAddress.Any, nak.YourAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Broadcast, 68), to);
    }

    [Fact]
    public async Task Request_InitRebootOnWrongSubnet_Naks()
    {
        await using var s = new InMemoryServer();

        var (nak, _) = await s.ExchangeAsync(new DhcpWire { Mac = MacA }.Option(53, 3).Option(50, IPAddress.Parse("10.9.9.9")));

        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
    }

    [Fact]
    public async Task Request_InitRebootForUnknownLease_Naks()
    {
        await using var s = new InMemoryServer();

        var (nak, _) = await s.ExchangeAsync(new DhcpWire { Mac = MacA }.Option(53, 3).Option(50, IPAddress.Parse("198.18.1.150")));

        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
    }

    [Fact]
    public async Task Request_InitRebootForOwnLease_Acks()
    {
        await using var s = new InMemoryServer();
        var a = await s.LeaseAsync(MacA, 1);

        var (ack, _) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, Xid = 2 }.Option(53, 3).Option(50, a.YourAddress));

        Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
        Assert.Equal(a.YourAddress, ack.YourAddress);
    }

    [Fact]
    public async Task Request_SelectingAnotherServer_NoReplyAndOfferReleased()
    {
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0") with
        {
            Ranges = [new DhcpAddressRange(IPAddress.Parse("198.18.1.100"), IPAddress.Parse("198.18.1.100"))],
        }]);
        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA, 1));

        await s.AssertNoReplyAsync(DhcpWire.Request(MacA, IPAddress.Parse("198.18.1.77"), IPAddress.Parse("198.18.1.2"), 1));

        // The only address went back to the pool, so another client gets it at once.
        var (offerB, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 2));
        Assert.Equal(offer.YourAddress, offerB.YourAddress);
        Assert.Equal(1, s.Server.Counters.Snapshot().Dropped[DhcpDropReason.NotForUs]);
    }

    [Fact]
    public async Task Renew_UnicastWithCiaddr_ExtendsLeaseAndRepliesToClient()
    {
        await using var s = new InMemoryServer();
        var a = await s.LeaseAsync(MacA, 1);
        s.Time.Advance(TimeSpan.FromMinutes(5));

        // RFC 2131 §4.3.2 RENEWING: ciaddr set, no server id, no option 50.
        var (ack, to) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, Xid = 2, ClientAddress = a.YourAddress }.Option(53, 3),
            new IPEndPoint(a.YourAddress, 68));

        Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
        Assert.Equal(a.YourAddress, ack.ClientAddress);
        Assert.Equal(new IPEndPoint(a.YourAddress, 68), to);
        var lease = Assert.Single(await s.Store.LoadAsync(default));
        Assert.Equal(s.Time.GetUtcNow() + TimeSpan.FromMinutes(10), lease.Expires);
    }

    [Fact]
    public async Task Rebind_ForAddressNotLeasedToClient_Naks()
    {
        await using var s = new InMemoryServer();

        var (nak, _) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, ClientAddress = IPAddress.Parse("198.18.1.120") }.Option(53, 3));

        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
    }

    [Fact]
    public async Task Decline_Address_IsNotOfferedAgainUntilHoldEnds()
    {
        var options = new DhcpServerOptions { DeclineHoldTime = TimeSpan.FromMinutes(30) };
        await using var s = new InMemoryServer(options: options);
        var a = await s.LeaseAsync(MacA, 1);

        await s.AssertNoReplyAsync(new DhcpWire { Mac = MacA, Xid = 2 }.Option(53, 4).Option(50, a.YourAddress).Option(54, InMemoryServer.ServerAddress));

        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 3).Option(50, a.YourAddress));
        Assert.NotEqual(a.YourAddress, offer.YourAddress);
        Assert.Contains(await s.Store.LoadAsync(default), l => l.Address.Equals(a.YourAddress) && l.State == DhcpLeaseState.Declined);

        s.Time.Advance(TimeSpan.FromMinutes(31));
        var (later, _) = await s.ExchangeAsync(DhcpWire.Discover([0x52, 0x54, 0, 0, 0, 0xc], 4).Option(50, a.YourAddress));
        Assert.Equal(a.YourAddress, later.YourAddress);
    }

    [Fact]
    public async Task Release_ActiveLease_FreesAddressForOthers()
    {
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0") with
        {
            Ranges = [new DhcpAddressRange(IPAddress.Parse("198.18.1.100"), IPAddress.Parse("198.18.1.100"))],
        }]);
        var a = await s.LeaseAsync(MacA, 1);
        await s.AssertNoReplyAsync(DhcpWire.Discover(MacB, 2));
        Assert.Equal(1, s.Server.Counters.Snapshot().Dropped[DhcpDropReason.PoolExhausted]);

        await s.AssertNoReplyAsync(new DhcpWire { Mac = MacA, Xid = 3, ClientAddress = a.YourAddress }.Option(53, 7).Option(54, InMemoryServer.ServerAddress));

        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 4));
        Assert.Equal(a.YourAddress, offer.YourAddress);
        Assert.Contains(await s.Store.LoadAsync(default), l => l.State == DhcpLeaseState.Released);
    }

    [Fact]
    public async Task Lease_AfterExpiry_AddressGoesToAnotherClient()
    {
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0") with
        {
            Ranges = [new DhcpAddressRange(IPAddress.Parse("198.18.1.100"), IPAddress.Parse("198.18.1.100"))],
        }]);
        var a = await s.LeaseAsync(MacA, 1);
        s.Time.Advance(TimeSpan.FromMinutes(11));

        var b = await s.LeaseAsync(MacB, 2);

        Assert.Equal(a.YourAddress, b.YourAddress);
        var (nak, _) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, Xid = 3, ClientAddress = a.YourAddress }.Option(53, 3));
        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
    }

    [Fact]
    public async Task Inform_ConfiguredClient_GetsOptionsWithoutLease()
    {
        await using var s = new InMemoryServer();
        var from = IPAddress.Parse("198.18.1.42");

        var (ack, to) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, ClientAddress = from }.Option(53, 8), new IPEndPoint(from, 68));

        Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
        Assert.Equal(IPAddress.Any, ack.YourAddress);
        Assert.Null(ack.Options.Get(DhcpOptionCode.LeaseTime));
        Assert.Equal(IPAddress.Parse("198.18.1.1"), ack.Options.GetAddress(DhcpOptionCode.Router));
        Assert.Equal(new IPEndPoint(from, 68), to);
        Assert.Empty(await s.Store.LoadAsync(default));
    }

    [Fact]
    public async Task Reservation_KnownMac_GetsReservedAddressAndHostNameAndOthersNever()
    {
        var reserved = IPAddress.Parse("198.18.1.100");
        await using var s = new InMemoryServer(reservations: [new DhcpReservation(new System.Net.NetworkInformation.PhysicalAddress(MacA), reserved, "node-1")]);

        var (offerB, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 1).Option(50, reserved));
        var ackA = await s.LeaseAsync(MacA, 2);

        Assert.NotEqual(reserved, offerB.YourAddress);
        Assert.Equal(reserved, ackA.YourAddress);
        Assert.Equal("node-1", ackA.Options.GetString(DhcpOptionCode.HostName));
    }

    [Fact]
    public async Task StaticRoutesAndMtu_WhenRequested_AreEncodedPerRfc3442()
    {
        var scope = ServerHarness.Scope(1, "eth0") with
        {
            Mtu = 9000,
            StaticRoutes = [new DhcpStaticRoute(IPAddress.Parse("10.20.0.0"), 16, IPAddress.Parse("198.18.1.254"))],
        };
        await using var s = new InMemoryServer(scopes: [scope]);

        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA).Option(55, 1, 3, 26, 121));

        Assert.Equal((ushort)9000, offer.Options.GetUInt16(DhcpOptionCode.InterfaceMtu));
        Assert.Equal([16, 10, 20, 198, 18, 1, 254, 0, 198, 18, 1, 1], offer.Options.Get(DhcpOptionCode.ClasslessStaticRoute));
    }

    [Fact]
    public async Task MaxMessageSize_LargeReply_StaysWithinClientLimit()
    {
        var routes = Enumerable.Range(0, 60).Select(i => new DhcpStaticRoute(IPAddress.Parse($"10.{i}.0.0"), 16, IPAddress.Parse("198.18.1.254"))).ToArray();
        await using var s = new InMemoryServer(scopes: [ServerHarness.Scope(1, "eth0") with { StaticRoutes = routes }]);

        s.Inject(DhcpWire.Discover(MacA).Option(55, 1, 3, 121).Option(57, 2, 64).ToBytes());
        var (_, payload) = await s.Channel.ReadSentAsync();

        // 576 (option 57) minus IP and UDP headers.
        Assert.True(payload.Length <= 548, $"{payload.Length} bytes");
        var offer = DhcpPacketReader.Parse(payload);
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.NotNull(offer.Options.Get(DhcpOptionCode.ServerIdentifier));
    }

    [Fact]
    public async Task BroadcastFlag_IsEchoedAndReplyBroadcast()
    {
        await using var s = new InMemoryServer();

        var (offer, to) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, Flags = 0x8000 }.Option(53, 1));

        Assert.True(offer.IsBroadcast);
        Assert.Equal(IPAddress.Broadcast, to.Address);
    }

    [Fact]
    public async Task DiscoverFlood_FromOneMac_IsRateLimitedWhileOthersAreServed()
    {
        await using var s = new InMemoryServer(options: new DhcpServerOptions { DiscoverBurstPerClient = 5, DiscoverRatePerClient = 1 });
        for (var i = 0; i < 50; i++)
        {
            s.Inject(DhcpWire.Discover(MacA, (uint)i).ToBytes());
        }

        for (var i = 0; i < 5; i++)
        {
            var (_, offerA) = await s.Channel.ReadSentAsync();
            Assert.Equal(new byte[] { 0x52, 0x54, 0, 0, 0, 0xa }, DhcpPacketReader.Parse(offerA).ClientHardwareAddress[..6]);
        }

        var (offerB, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 999));

        Assert.Equal(IPAddress.Parse("198.18.1.101"), offerB.YourAddress);
        // The counters move after a send; a probe answered in order after B's offer makes them settle.
        await s.AssertQuietAsync();
        var snap = s.Server.Counters.Snapshot();
        Assert.Equal(45, snap.Dropped[DhcpDropReason.RateLimited]);
        Assert.Equal(6, snap.Sent[DhcpMessageType.Offer]);
    }

    [Fact]
    public async Task UnknownClient_DiscoveryOff_IsIgnoredAndKnownClientServed()
    {
        var scope = ServerHarness.Scope(1, "eth0", allowUnknown: false);
        await using var s = new InMemoryServer(scopes: [scope],
            reservations: [new DhcpReservation(new System.Net.NetworkInformation.PhysicalAddress(MacA), IPAddress.Parse("198.18.1.50"))]);

        await s.AssertNoReplyAsync(DhcpWire.Discover(MacB, 1));
        var ack = await s.LeaseAsync(MacA, 2);

        Assert.Equal(IPAddress.Parse("198.18.1.50"), ack.YourAddress);
        Assert.Contains(s.Observer.Events, e => e.Received == DhcpMessageType.Discover && e.DropReason == DhcpDropReason.PolicyIgnored
            && e.Reason!.Contains("discovery is off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_WithFileJournal_KeepsLeasesAndNeverDoublesAnAddress()
    {
        var path = Path.Combine(Path.GetTempPath(), $"leases-{Guid.NewGuid():N}.csv");
        try
        {
            IPAddress first;
            var journal = new FileLeaseJournal(path);
            await using (var s = new InMemoryServer(store: journal))
            {
                first = (await s.LeaseAsync(MacA, 1)).YourAddress;
            }

            await journal.DisposeAsync();
            var journal2 = new FileLeaseJournal(path);
            await using (var s = new InMemoryServer(store: journal2))
            {
                var (offerB, _) = await s.ExchangeAsync(DhcpWire.Discover(MacB, 2).Option(50, first));
                Assert.NotEqual(first, offerB.YourAddress);
                var (ack, _) = await s.ExchangeAsync(new DhcpWire { Mac = MacA, Xid = 3 }.Option(53, 3).Option(50, first));
                Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
            }

            await journal2.DisposeAsync();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task CommitFailure_WithholdsAck()
    {
        await using var s = new InMemoryServer(store: new FailingStore());
        var (offer, _) = await s.ExchangeAsync(DhcpWire.Discover(MacA, 1));

        await s.AssertNoReplyAsync(DhcpWire.Request(MacA, offer.YourAddress, InMemoryServer.ServerAddress, 1));

        Assert.Equal(1, s.Server.Counters.Snapshot().Dropped[DhcpDropReason.CommitFailed]);
    }

    private sealed class FailingStore : IDhcpLeaseStore
    {
        public ValueTask<IReadOnlyList<DhcpLease>> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IReadOnlyList<DhcpLease>>([]);

        public ValueTask CommitAsync(IReadOnlyList<DhcpLease> changes, CancellationToken cancellationToken) => throw new IOException("disk full");
    }
}
