using System.Net;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Scopes;
using Provisioner.Net;

namespace Provisioner.Dhcp.Tests;

/// <summary>Records exchange events for assertions.</summary>
public sealed class RecordingObserver : IDhcpObserver
{
    private readonly List<DhcpExchangeEvent> _events = [];

    public IReadOnlyList<DhcpExchangeEvent> Events
    {
        get { lock (_events) { return _events.ToArray(); } }
    }

    public void OnExchange(DhcpExchangeEvent exchange)
    {
        lock (_events)
        {
            _events.Add(exchange);
        }
    }
}

/// <summary>A running <see cref="DhcpServer"/> for a test; stops it on dispose.</summary>
public sealed class ServerHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;
    private readonly IReadOnlyList<IDatagramChannel> _channels;

    public ServerHarness(DhcpServerOptions options, IReadOnlyList<IDatagramChannel> channels, IDhcpScopeSource scopes,
        IDhcpLeaseStore? store = null, IDhcpBootPolicy? policy = null, TimeProvider? time = null)
    {
        _channels = channels;
        Store = store ?? new InMemoryLeaseStore();
        Server = new DhcpServer(options, channels, scopes, policy ?? new DefaultBootPolicy(time: time), Store, Observer, time,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<DhcpServer>.Instance);
        _run = Server.RunAsync(_stop.Token);
    }

    public DhcpServer Server { get; }

    public IDhcpLeaseStore Store { get; }

    public RecordingObserver Observer { get; } = new();

    /// <summary>The exchange events as text, for failure messages.</summary>
    public string Timeline() => string.Join('\n', Observer.Events.Select(e => $"{e.Received}->{e.Replied} {e.Address} {e.DropReason} {e.Reason}"));

    /// <summary>The run task (to assert it did not fault).</summary>
    public Task Run => _run;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var c in _channels)
        {
            await c.DisposeAsync();
        }

        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }

    /// <summary>A scope 198.18.N.0/24 with range .100-.199, router .1, DNS .1, domain rack.test.</summary>
    public static DhcpScope Scope(int n, string? interfaceName = null, string id = "bpod-a", bool allowUnknown = true) => new()
    {
        Id = id,
        Network = IPAddress.Parse($"198.18.{n}.0"),
        PrefixLength = 24,
        Ranges = [new DhcpAddressRange(IPAddress.Parse($"198.18.{n}.100"), IPAddress.Parse($"198.18.{n}.199"))],
        Router = IPAddress.Parse($"198.18.{n}.1"),
        DnsServers = [IPAddress.Parse($"198.18.{n}.1")],
        DomainName = "rack.test",
        NtpServers = [IPAddress.Parse($"198.18.{n}.1")],
        LeaseTime = TimeSpan.FromMinutes(10),
        InterfaceName = interfaceName,
        AllowUnknownClients = allowUnknown,
    };
}
