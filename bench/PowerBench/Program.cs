using System.Diagnostics;
using System.Globalization;
using Provisioner.Ipmi;

// Power status of many BMCs with our RMCP+ client, in parallel.
//   PowerBench <address> <first-port> <count> <user> <password> [cold|warm] [sweeps] [parallel]
// cold: open a session per BMC, read the status, close (what ipmitool/ipmipower do per call);
// warm: open sessions once, then time sweeps that reuse them (what the power monitor does).
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: PowerBench <address> <first-port> <count> <user> <password> [cold|warm] [sweeps] [parallel]");
    return 2;
}

var address = args[0];
var firstPort = int.Parse(args[1], CultureInfo.InvariantCulture);
var count = int.Parse(args[2], CultureInfo.InvariantCulture);
var mode = args.Length > 5 ? args[5] : "cold";
var sweeps = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 5;
var parallel = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 128;
var counters = new IpmiCounters();

IpmiClient NewClient(int i) => new(new IpmiClientOptions
{
    Host = address,
    Port = firstPort + i,
    Username = args[3],
    Password = args[4],
    CipherSuite = 3,
    Timeout = TimeSpan.FromSeconds(1),
    Tries = 3,
}, counters: counters);

var on = 0;
var failed = 0;
async Task SweepAsync(IReadOnlyList<IpmiClient> clients, bool close)
{
    await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (c, ct) =>
    {
        try
        {
            if ((await c.GetChassisStatusAsync(ct)).PowerOn)
            {
                Interlocked.Increment(ref on);
            }
        }
        catch (IpmiException e)
        {
            Interlocked.Increment(ref failed);
            Console.Error.WriteLine(e.Message);
        }

        if (close)
        {
            await c.DisposeAsync();
        }
    });
}

var clock = Stopwatch.StartNew();
if (mode == "cold-inproc")
{
    // A running appliance: the runtime is warm, but every BMC gets a new session (median of sweeps).
    var times = new List<double>();
    for (var s = 0; s <= sweeps; s++)
    {
        var clients = Enumerable.Range(0, count).Select(NewClient).ToList();
        clock.Restart();
        await SweepAsync(clients, close: true);
        if (s > 0)
        {
            times.Add(clock.Elapsed.TotalSeconds); // the first sweep warms the JIT
        }
    }

    times.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold-inproc median {times[times.Count / 2]:0.0000} s over {sweeps} sweeps, {count} BMCs, {failed} failed"));
}
else if (mode == "cold")
{
    var clients = Enumerable.Range(0, count).Select(NewClient).ToList();
    await SweepAsync(clients, close: true);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold {clock.Elapsed.TotalSeconds:0.0000} s, {count} BMCs, {failed} failed, {on} on"));
}
else
{
    var clients = Enumerable.Range(0, count).Select(NewClient).ToList();
    await SweepAsync(clients, close: false); // opens the sessions
    var times = new List<double>();
    for (var s = 0; s < sweeps; s++)
    {
        clock.Restart();
        await SweepAsync(clients, close: false);
        times.Add(clock.Elapsed.TotalSeconds);
    }

    times.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"warm median {times[times.Count / 2]:0.0000} s over {sweeps} sweeps, {count} BMCs, {failed} failed, sessions opened {counters.Snapshot().SessionsOpened}"));
    foreach (var c in clients)
    {
        await c.DisposeAsync();
    }
}

return failed == 0 ? 0 : 1;
