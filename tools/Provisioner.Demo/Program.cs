using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Provisioner.Demo;
using Provisioner.TestKit.VirtualRack;

// make demo: a virtual rack (network namespace, bridge, qemu machines behind their own ipmi_sim BMCs) with the real
// appliance on SQLite serving it; every machine is commissioned and deployed with the test OS through the REST API,
// progress is printed, and the dashboard stays reachable on 127.0.0.1 until Ctrl-C, which tears everything down.
var options = DemoOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: provisioner-demo [--machines N] [--port P] [--exit-when-deployed] [--phases FILE]");
    return 64;
}

var missing = Preflight.Missing();
if (missing.Count > 0)
{
    Console.Error.WriteLine("demo: cannot build the virtual rack here:");
    missing.ForEach(m => Console.Error.WriteLine("  - " + m));
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('/', 'x').Replace('+', 'y');
var socket = Path.Combine(Path.GetTempPath(), $"provisioner-demo-{Environment.ProcessId}.sock");
Say($"starting the appliance (SQLite) in a virtual rack: BPOD z1/r1 on 10.77.0.0/24, {options.Machines} UEFI machine(s) behind IPMI BMCs");
await using var rack = await VirtualBpod.StartAsync(
    extraSettings: new Dictionary<string, string> { ["Http:Urls"] = $"http://{VirtualBpod.ApplianceAddress}:{VirtualBpod.HttpPort};http://unix:{socket}" },
    admin: ("admin", password));
await using var forwarder = new UnixSocketForwarder(options.Port, socket);
Say($"dashboard: http://127.0.0.1:{forwarder.Port}/  (user admin, password {password})");

var run = new DemoRun(rack, Say);
var deployed = false;
try
{
    deployed = await run.ProvisionAsync(options.Machines, stop.Token);
    if (deployed)
    {
        var phases = await run.PhasesAsync();
        var table = DeployPhases.Table(phases);
        Say("time per phase:\n" + table);
        if (options.PhasesFile is { } file)
        {
            await File.WriteAllTextAsync(file, table + "\n");
        }
    }
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TimeoutException or IOException)
{
    // Keep the rack and the dashboard up so what went wrong can be looked at.
    Say($"the demo stopped: {e.Message}");
}

if (!options.ExitWhenDeployed && !stop.IsCancellationRequested)
{
    Say($"{(deployed ? "done" : "stopped with a failure (see above and the dashboard)")}; the dashboard stays at http://127.0.0.1:{forwarder.Port}/ until Ctrl-C");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}

Say("tearing the virtual rack down");
return deployed ? 0 : 1;

static void Say(string message) =>
    Console.WriteLine($"demo [{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {message}");
