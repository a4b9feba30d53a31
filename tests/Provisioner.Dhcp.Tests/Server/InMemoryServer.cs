using System.Net;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.TestKit;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.Server;

/// <summary>A server on an in-memory channel "eth0" (198.18.1.1) with a manual clock; the test plays the clients.</summary>
internal sealed class InMemoryServer : IAsyncDisposable
{
    public static readonly IPAddress ServerAddress = IPAddress.Parse("198.18.1.1");
    private static readonly byte[] ProbeMac = [2, 0, 0, 0, 0, 9];
    private static readonly IPEndPoint ClientEndPoint = new(IPAddress.Any, 68);
    private readonly ServerHarness _harness;
    private uint _probeXid = 0xfff00000;

    public InMemoryServer(IEnumerable<DhcpScope>? scopes = null, IEnumerable<DhcpReservation>? reservations = null,
        DhcpServerOptions? options = null, IDhcpLeaseStore? store = null, IDhcpBootPolicy? policy = null, int port = 67,
        ManualTimeProvider? time = null)
    {
        Time = time ?? new ManualTimeProvider();
        Options = options ?? new DhcpServerOptions();
        if (Options.Interfaces.Count == 0)
        {
            Options.Interfaces = [new DhcpInterfaceOptions { Name = "eth0", Address = ServerAddress }];
        }

        Channel = new InMemoryDatagramChannel(new IPEndPoint(IPAddress.Any, port), "eth0");
        // The probe client of AssertQuietAsync is known, so it is answered even where discovery is off.
        var probe = new DhcpReservation(new System.Net.NetworkInformation.PhysicalAddress(ProbeMac), IPAddress.Parse("198.18.1.250"));
        Scopes = new InMemoryScopeSource(scopes ?? [ServerHarness.Scope(1, "eth0")], [.. reservations ?? [], probe]);
        _harness = new ServerHarness(Options, [Channel], Scopes, store, policy ?? new DefaultBootPolicy(time: Time), Time);
    }

    public ManualTimeProvider Time { get; }

    public DhcpServerOptions Options { get; }

    public InMemoryDatagramChannel Channel { get; }

    public InMemoryScopeSource Scopes { get; }

    public DhcpServer Server => _harness.Server;

    public IDhcpLeaseStore Store => _harness.Store;

    public RecordingObserver Observer => _harness.Observer;

    /// <summary>Sends a client message and returns the reply with where it was sent.</summary>
    public async Task<(DhcpPacket Reply, IPEndPoint To)> ExchangeAsync(DhcpWire message, IPEndPoint? from = null)
    {
        Channel.Inject(from ?? ClientEndPoint, message.ToBytes());
        var (to, payload) = await Channel.ReadSentAsync(TimeSpan.FromSeconds(10));
        return (DhcpPacketReader.Parse(payload), to);
    }

    /// <summary>Sends raw bytes.</summary>
    public void Inject(byte[] bytes, IPEndPoint? from = null) => Channel.Inject(from ?? ClientEndPoint, bytes);

    /// <summary>
    /// Sends a message that must get no reply: a probe that always gets one (an INFORM) follows it, and the
    /// first reply must be the probe's. The server handles one channel in order, so no waiting is involved.
    /// </summary>
    public async Task AssertNoReplyAsync(DhcpWire message, IPEndPoint? from = null)
    {
        Inject(message.ToBytes(), from);
        await AssertQuietAsync();
    }

    /// <summary>Asserts nothing was sent for what was injected before (see <see cref="AssertNoReplyAsync"/>).</summary>
    public async Task AssertQuietAsync()
    {
        var xid = ++_probeXid;
        var probe = new DhcpWire { Mac = ProbeMac, Xid = xid, ClientAddress = IPAddress.Parse("198.18.1.250") }
            .Option(53, Options.Mode == DhcpServerMode.Proxy ? (byte)(Channel.LocalEndPoint.Port == 67 ? 1 : 3) : (byte)8);
        if (Options.Mode == DhcpServerMode.Proxy)
        {
            probe.AsPxeRom();
        }

        Channel.Inject(new IPEndPoint(IPAddress.Parse("198.18.1.250"), 68), probe.ToBytes());
        var (_, payload) = await Channel.ReadSentAsync(TimeSpan.FromSeconds(10));
        var reply = DhcpPacketReader.Parse(payload);
        Assert.True(reply.TransactionId == xid, $"unexpected reply {reply.MessageType} xid {reply.TransactionId:x8}");
    }

    /// <summary>Full DISCOVER/OFFER/REQUEST/ACK; returns the ACK.</summary>
    public async Task<DhcpPacket> LeaseAsync(byte[] mac, uint xid = 0x100, Action<DhcpWire>? decorate = null)
    {
        var discover = DhcpWire.Discover(mac, xid);
        decorate?.Invoke(discover);
        var (offer, _) = await ExchangeAsync(discover);
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        var request = DhcpWire.Request(mac, offer.YourAddress, offer.Options.GetAddress(DhcpOptionCode.ServerIdentifier)!, xid);
        decorate?.Invoke(request);
        var (ack, _) = await ExchangeAsync(request);
        Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
        return ack;
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();
}
