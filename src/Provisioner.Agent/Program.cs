using Provisioner.Agent;
using Provisioner.Agent.Boot;
using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Facts;
using Provisioner.Agent.Imaging;
using Provisioner.Agent.Network;
using Provisioner.Agent.Power;
using Provisioner.Agent.Processes;
using Provisioner.Agent.Protocol;
using Provisioner.Agent.Seed;
using Provisioner.Agent.Tasks;
using Provisioner.Imaging;

// Entry point of the live image's agent. /init execs it with no arguments; --key=value arguments override kernel
// parameters (provisioner.url, provisioner.token, BOOTIF, provisioner.root, provisioner.network=off) for manual runs.
var overrides = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=', StringComparison.Ordinal))
    .Select(a => a[2..].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
var cmdlinePath = overrides.GetValueOrDefault("cmdline", "/proc/cmdline");
var cmdline = File.Exists(cmdlinePath) ? File.ReadAllText(cmdlinePath) : string.Empty;
var stdout = Console.Out;
Func<double> uptime = () => ConsoleEvents.ReadUptime();
var events = new ConsoleEvents(stdout, uptime);
var options = AgentOptions.Parse(cmdline, overrides, out var error);
if (options is null)
{
    events.Emit("error", ("step", "config"), ("msg", error));
    return 2;
}

var tail = new LogTail();
var logger = new AgentLogger(stdout, tail, uptime);
var time = TimeProvider.System;
var fs = new SysfsReader(options.Root);
var processes = new ProcessRunner(tail);
using var appliance = new ApplianceClient(options.ApplianceUrl, options.Token);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };

var collector = new HardwareFactsCollector(fs);
async Task<HardwareFacts> CollectAsync(CancellationToken ct)
{
    var facts = collector.Collect(options.BootMac);
    var bootNic = facts.Nics.FirstOrDefault(n => n.Mac == options.BootMac) ?? facts.Nics.FirstOrDefault(n => n.Link);
    if (bootNic is not null && options.LldpWait > TimeSpan.Zero)
    {
        facts = facts with { Lldp = await LldpListener.ListenAsync(bootNic.Name, options.LldpWait, logger, ct).ConfigureAwait(false) };
    }

    return facts;
}

var power = new KernelPowerControl();
// Image transfers never time out as a whole (they take as long as the disk needs); only connecting does.
using var imageTransport = new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None, ConnectTimeout = TimeSpan.FromSeconds(15) };
// The resume journal lives on tmpfs: it survives an agent restart within the boot (a retried deploy resumes), not a reboot.
const string journalDirectory = "/run/provisioner-agent";
// O_DIRECT on block devices: the live image runs from RAM, an image must not fill it with page cache.
var imageWriter = new VerifiedImageWriter(imageTransport, options.ApplianceUrl, options.Token, journalDirectory, new ImageDeployOptions { DirectIo = true });
IReadOnlyList<DiskFacts> Disks() => collector.ReadDisks();
var handlers = new ITaskHandler[]
{
    new CommissionTaskHandler(CollectAsync, appliance),
    new DeployTaskHandler(Disks, imageWriter, new NoCloudSeedWriter(processes)),
    new WipeTaskHandler(Disks, fs),
    new PowerTaskHandler(AgentTaskKind.Poweroff, power),
    new PowerTaskHandler(AgentTaskKind.Reboot, power),
};
var runner = new AgentRunner(options, appliance, CollectAsync, options.ConfigureNetwork ? new NetworkBringUp(fs, processes, logger) : null,
    new TaskRunner(handlers, appliance, events, tail, time, logger), events, tail, time, logger);
return await runner.RunAsync(cts.Token);

