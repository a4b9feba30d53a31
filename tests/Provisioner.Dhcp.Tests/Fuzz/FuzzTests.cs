using System.Net;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.Dhcp.Tests.RealPeers;
using Provisioner.TestKit;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.Fuzz;

[Trait("Area", "Dhcp")]
public sealed class FuzzTests
{
    private const int Count = 100_000;

    [Fact]
    public void Codec_100kHostilePackets_OnlyProtocolExceptionsAndReparsableWrites()
    {
        var fuzzer = new PacketFuzzer(1234);
        var buffer = new byte[DhcpPacketReader.MaxLength];
        var parsed = 0;
        for (var i = 0; i < Count; i++)
        {
            var wire = fuzzer.Next();
            DhcpPacket p;
            try
            {
                p = DhcpPacketReader.Parse(wire);
            }
            catch (DhcpProtocolException)
            {
                continue;
            }

            parsed++;
            if (DhcpPacketWriter.TryWrite(p, buffer, buffer.Length, out var n))
            {
                var again = DhcpPacketReader.Parse(buffer.AsSpan(0, n));
                Assert.Equal(p.Options.Items.Select(o => (o.Code, Convert.ToHexString(o.Value))), again.Options.Items.Select(o => (o.Code, Convert.ToHexString(o.Value))));
            }
        }

        // The mix must exercise both sides: many parse, many are refused.
        Assert.InRange(parsed, Count / 10, Count * 9 / 10);
    }

    [Fact]
    [Trait("Peer", "udhcpc")]
    public async Task Server_After100kHostilePackets_StillLeasesToRealClient()
    {
        await using var net = await DhcpTestNetwork.CreateAsync(20);
        var options = new DhcpServerOptions
        {
            Interfaces = [new DhcpInterfaceOptions { Name = net.ServerInterface, Address = net.ServerAddress }],
        };
        var udp = net.Server.RunInside(() => DhcpChannels.Open(options));
        var fuzzChannel = new InMemoryDatagramChannel(new IPEndPoint(IPAddress.Any, 67), net.ServerInterface);
        var scope = ServerHarness.Scope(20, net.ServerInterface) with
        {
            Ranges = [new DhcpAddressRange(IPAddress.Parse("198.18.20.10"), IPAddress.Parse("198.18.20.250"))],
        };
        var scopes = new InMemoryScopeSource([scope], [new DhcpReservation(new System.Net.NetworkInformation.PhysicalAddress([2, 0, 0, 0, 0, 1]), IPAddress.Parse("198.18.20.5"))]);
        await using var server = new ServerHarness(options, [.. udp, fuzzChannel], scopes);
        var fuzzer = new PacketFuzzer(99);
        var from = new IPEndPoint(IPAddress.Parse("198.18.20.77"), 68);
        for (var i = 0; i < Count; i++)
        {
            fuzzChannel.Inject(from, fuzzer.Next());
            if (i % 2000 == 0)
            {
                // Keep the in-memory queue short, as a socket buffer would, and drain the replies.
                await DrainUntilProcessedAsync(fuzzChannel, (uint)i);
            }
        }

        await DrainUntilProcessedAsync(fuzzChannel, 0xfffffff0);
        Assert.False(server.Run.IsCompleted);
        var snapshot = server.Server.Counters.Snapshot();
        Assert.True(snapshot.TotalDropped > Count / 10, $"drops {snapshot.TotalDropped}");

        var script = await UdhcpcTests.WriteScriptAsync();
        try
        {
            var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("udhcpc", "busybox"),
                ["-i", net.ClientInterface, "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", script], TimeSpan.FromSeconds(30), net.Client.Name);
            Assert.True(rc == 0, $"udhcpc failed ({rc}): {stdout}{stderr}");
            Assert.Matches(@"EVENT=bound ip=198\.18\.20\.\d+ ", stdout);
        }
        finally
        {
            File.Delete(script);
        }
    }

    /// <summary>Sends a probe INFORM from a reserved client and reads replies until its answer comes back.</summary>
    private static async Task DrainUntilProcessedAsync(InMemoryDatagramChannel channel, uint xid)
    {
        var probe = new DhcpWire { Mac = [2, 0, 0, 0, 0, 1], Xid = xid, ClientAddress = IPAddress.Parse("198.18.20.5") }.Option(53, 8);
        channel.Inject(new IPEndPoint(IPAddress.Parse("198.18.20.5"), 68), probe.ToBytes());
        while (true)
        {
            var (_, payload) = await channel.ReadSentAsync(TimeSpan.FromSeconds(60));
            var reply = DhcpPacketReader.Parse(payload);
            if (reply.TransactionId == xid && reply.ClientHardwareAddress[5] == 1 && reply.ClientHardwareAddress[0] == 2)
            {
                return;
            }
        }
    }
}
