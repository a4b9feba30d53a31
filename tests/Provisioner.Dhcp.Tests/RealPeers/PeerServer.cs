using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.RealPeers;

/// <summary>Our server inside the server namespace of a <see cref="DhcpTestNetwork"/>, for real-client tests.</summary>
internal sealed class PeerServer : IAsyncDisposable
{
    private PeerServer(DhcpTestNetwork net, ServerHarness harness)
    {
        Net = net;
        Harness = harness;
    }

    public DhcpTestNetwork Net { get; }

    public ServerHarness Harness { get; }

    public static async Task<PeerServer> StartAsync(int subnet, TimeSpan? leaseTime = null, DhcpServerOptions? options = null)
    {
        var net = await DhcpTestNetwork.CreateAsync(subnet);
        try
        {
            options ??= new DhcpServerOptions();
            options.Interfaces = [new DhcpInterfaceOptions { Name = net.ServerInterface, Address = net.ServerAddress }];
            var channels = net.Server.RunInside(() => DhcpChannels.Open(options));
            var scope = ServerHarness.Scope(subnet, net.ServerInterface) with { LeaseTime = leaseTime ?? TimeSpan.FromMinutes(10) };
            return new PeerServer(net, new ServerHarness(options, channels, new InMemoryScopeSource([scope])));
        }
        catch
        {
            await net.DisposeAsync();
            throw;
        }
    }

    public int Count(DhcpMessageType received, DhcpMessageType replied) =>
        Harness.Observer.Events.Count(e => e.Received == received && e.Replied == replied);

    /// <summary>Polls (real time: a real client is involved) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("Timed out: " + describe());
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Async variant of <see cref="WaitAsync(Func{bool}, TimeSpan, Func{string})"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "Timed out waiting for the client's address.");
            await Task.Delay(100);
        }
    }

    public string Timeline() => string.Join('\n', Harness.Observer.Events.Select(e => $"{e.Received}->{e.Replied} {e.Address} {e.DropReason} {e.Reason}"));

    public bool HasReleased() => Harness.Server.GetLeases().Any(l => l.State == DhcpLeaseState.Released);

    public async ValueTask DisposeAsync()
    {
        await Harness.DisposeAsync();
        await Net.DisposeAsync();
    }
}
