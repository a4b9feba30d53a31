using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Provisioner.Dhcp;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Scopes;

// Usage: DhcpBenchHost --interface vsrv --address 198.18.0.1 --network 198.18.0.0/15
//        --range 198.18.1.0-198.19.255.250 --lease-file /tmp/bench/ours.csv [--no-fsync] [--no-persist] [--lease-time 86400]
var args2 = ParseArgs(args);
var iface = args2.GetValueOrDefault("interface", "vsrv");
var address = IPAddress.Parse(args2.GetValueOrDefault("address", "198.18.0.1"));
var network = args2.GetValueOrDefault("network", "198.18.0.0/15").Split('/');
var range = args2.GetValueOrDefault("range", "198.18.1.0-198.19.255.250").Split('-');
var leaseFile = args2.GetValueOrDefault("lease-file", "/tmp/bench/ours-leases4.csv");
var leaseTime = TimeSpan.FromSeconds(int.Parse(args2.GetValueOrDefault("lease-time", "86400"), CultureInfo.InvariantCulture));

var options = new DhcpServerOptions
{
    Interfaces = [new DhcpInterfaceOptions { Name = iface, Address = address }],
    // perfdhcp sends thousands of DISCOVERs per second, each from a new MAC: the per-MAC limit never binds.
};
var scope = new DhcpScope
{
    Id = "bench",
    Network = IPAddress.Parse(network[0]),
    PrefixLength = int.Parse(network[1], CultureInfo.InvariantCulture),
    Ranges = [new DhcpAddressRange(IPAddress.Parse(range[0]), IPAddress.Parse(range[1]))],
    LeaseTime = leaseTime,
    InterfaceName = iface,
};
IDhcpLeaseStore store = args2.ContainsKey("no-persist")
    ? new InMemoryLeaseStore()
    : new FileLeaseJournal(leaseFile, fsync: !args2.ContainsKey("no-fsync"));
var channels = DhcpChannels.Open(options);
var server = new DhcpServer(options, channels, new InMemoryScopeSource([scope]), new DefaultBootPolicy(), store);
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
var run = server.RunAsync(stop.Token);
Console.WriteLine($"ready pid {Environment.ProcessId}");
await run.ConfigureAwait(false);
var snap = server.Counters.Snapshot();
Console.WriteLine($"received {string.Join(' ', snap.Received.Select(kv => $"{kv.Key}={kv.Value}"))}");
Console.WriteLine($"sent {string.Join(' ', snap.Sent.Select(kv => $"{kv.Key}={kv.Value}"))}");
Console.WriteLine($"dropped {string.Join(' ', snap.Dropped.Select(kv => $"{kv.Key}={kv.Value}"))}");
Console.WriteLine($"leases {server.GetLeases().Count} working-set-MB {Environment.WorkingSet / 1048576}");
foreach (var c in channels)
{
    await c.DisposeAsync().ConfigureAwait(false);
}

static Dictionary<string, string> ParseArgs(string[] a)
{
    var d = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < a.Length; i++)
    {
        if (!a[i].StartsWith("--", StringComparison.Ordinal))
        {
            continue;
        }

        var key = a[i][2..];
        d[key] = i + 1 < a.Length && !a[i + 1].StartsWith("--", StringComparison.Ordinal) ? a[++i] : "true";
    }

    return d;
}
