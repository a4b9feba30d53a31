using Microsoft.Extensions.Logging;
using Provisioner.Agent.Facts;
using Provisioner.Agent.Processes;

namespace Provisioner.Agent.Network;

/// <summary>
/// Gets an address with busybox udhcpc: the PXE interface first (BOOTIF), then every other physical NIC with carrier,
/// then the rest. udhcpc keeps running in the background to renew the lease while the agent works.
/// </summary>
public sealed partial class NetworkBringUp(SysfsReader fs, IProcessRunner processes, ILogger logger)
{
    /// <summary>DHCP vendor class (option 60) of the live system, so the appliance answers with a plain lease and no boot file.</summary>
    public const string DhcpVendorClass = "provisioner-live";

    /// <summary>Where the live image keeps the udhcpc hook script.</summary>
    public string UdhcpcScript { get; init; } = "/etc/udhcpc/default.script";

    /// <summary>Interfaces in the order they are tried.</summary>
    public IReadOnlyList<string> OrderInterfaces(string? bootMac)
    {
        var nics = new HardwareFactsCollector(fs).ReadNics();
        return nics
            .OrderByDescending(n => bootMac is not null && string.Equals(n.Mac, bootMac, StringComparison.OrdinalIgnoreCase))
            .ThenByDescending(n => n.Link)
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.Name)
            .ToArray();
    }

    /// <summary>Brings up the first interface that gets a lease; returns its name, or null when none did.</summary>
    public async Task<string?> RunAsync(string? bootMac, CancellationToken ct)
    {
        var candidates = OrderInterfaces(bootMac);
        if (candidates.Count == 0)
        {
            Log.NoInterfaces(logger);
            return null;
        }

        // /init starts udhcpc on the PXE interface while the agent itself is still starting (the JIT is slow under
        // emulation); take that lease when it arrives instead of asking again.
        var early = candidates[0];
        if (Path.Exists($"/run/udhcpc.{early}.pid"))
        {
            for (var i = 0; i < 30; i++)
            {
                if (await HasAddressAsync(early, ct).ConfigureAwait(false))
                {
                    Log.Leased(logger, early);
                    return early;
                }

                await Task.Delay(TimeSpan.FromSeconds(0.5), ct).ConfigureAwait(false);
            }
        }

        foreach (var name in candidates)
        {
            if (await HasAddressAsync(name, ct).ConfigureAwait(false))
            {
                Log.Leased(logger, name);
                return name;
            }

            await processes.RunAsync("ip", ["link", "set", name, "up"], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            // -n: exit 1 without a lease; -t/-T: 6 discovers 2 s apart (e1000 needs ~4.5 s for link-up under TCG);
            // without -q it daemonizes once bound and keeps renewing.
            var result = await processes.RunAsync("udhcpc",
                ["-i", name, "-n", "-t", "6", "-T", "2", "-s", UdhcpcScript, "-V", DhcpVendorClass, "-p", $"/run/udhcpc.{name}.pid"],
                TimeSpan.FromSeconds(40), ct).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                Log.Leased(logger, name);
                return name;
            }

            Log.NoLease(logger, name, result.Tail(2));
        }

        return null;
    }

    /// <summary>True when the interface has an IPv4 address (from an earlier DHCP client or static configuration).</summary>
    public async Task<bool> HasAddressAsync(string name, CancellationToken ct)
    {
        var r = await processes.RunAsync("ip", ["-4", "-o", "addr", "show", "dev", name], TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return r.ExitCode == 0 && r.Output.Any(l => l.Contains(" inet ", StringComparison.Ordinal));
    }

    private static partial class Log
    {
        [LoggerMessage(8101, LogLevel.Information, "network: {Interface} is configured by DHCP")]
        public static partial void Leased(ILogger logger, string @interface);

        [LoggerMessage(8102, LogLevel.Warning, "network: no DHCP lease on {Interface}: {Output}")]
        public static partial void NoLease(ILogger logger, string @interface, string output);

        [LoggerMessage(8103, LogLevel.Error, "network: no physical network interface found (missing driver?)")]
        public static partial void NoInterfaces(ILogger logger);
    }
}
