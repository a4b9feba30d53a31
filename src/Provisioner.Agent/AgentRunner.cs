using Microsoft.Extensions.Logging;
using Provisioner.Agent.Boot;
using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Facts;
using Provisioner.Agent.Network;
using Provisioner.Agent.Protocol;
using Provisioner.Agent.Tasks;

namespace Provisioner.Agent;

/// <summary>
/// The agent's life: network, hello, facts, then tasks until a power action ends the session.
/// Transient appliance errors are retried with backoff; a rejected token (401) stops the agent.
/// </summary>
public sealed partial class AgentRunner(
    AgentOptions options,
    ApplianceClient appliance,
    Func<CancellationToken, Task<HardwareFacts>> collectFacts,
    NetworkBringUp? network,
    TaskRunner tasks,
    ConsoleEvents events,
    LogTail tail,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>Exit code when the appliance rejected the token.</summary>
    public const int TokenRejectedExitCode = 3;

    /// <summary>Backoff between retries of a failing call.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5))));

    /// <summary>Runs until cancelled or a power task ends the session; returns the process exit code.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        events.Emit("agent-start", ("version", AgentInfo.Version), ("url", options.ApplianceUrl), ("bootif", options.BootMac));
        try
        {
            if (network is not null)
            {
                for (var attempt = 0; ; attempt++)
                {
                    var nic = await network.RunAsync(options.BootMac, ct).ConfigureAwait(false);
                    if (nic is not null)
                    {
                        events.Emit("network-up", ("if", nic));
                        break;
                    }

                    events.Emit("error", ("step", "network"), ("msg", "no DHCP lease on any interface; retrying"));
                    await Task.Delay(Backoff(attempt), time, ct).ConfigureAwait(false);
                }
            }

            // Hello first (cheap sysfs reads only), so the appliance knows the node is up before LLDP listening etc.
            var sysfs = new HardwareFactsCollector(new SysfsReader(options.Root));
            var mac = options.BootMac ?? sysfs.ReadNics().FirstOrDefault()?.Mac ?? "00:00:00:00:00:00";
            var hello = await RetryAsync("hello", c => appliance.HelloAsync(new HelloRequest(mac, AgentInfo.Version, sysfs.ReadFirmware(), ReadBootId()), c), ct).ConfigureAwait(false);
            events.Emit("hello", ("node", hello.NodeId), ("hostname", hello.Hostname));
            var facts = await collectFacts(ct).ConfigureAwait(false);
            await RetryAsync("facts", async c => { await appliance.PutFactsAsync(facts, c).ConfigureAwait(false); return true; }, ct).ConfigureAwait(false);
            events.Emit("facts-sent", ("disks", facts.Disks.Count), ("nics", facts.Nics.Count), ("firmware", facts.Firmware.ToString().ToLowerInvariant()));
            await FlushLogAsync(ct).ConfigureAwait(false);

            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var task = await RetryAsync("task", c => appliance.GetTaskAsync(options.TaskWaitSeconds, c), ct).ConfigureAwait(false);
                if (task is null)
                {
                    continue;
                }

                var outcome = await tasks.RunAsync(task, ct).ConfigureAwait(false);
                await FlushLogAsync(ct).ConfigureAwait(false);
                if (outcome.AfterReport is not null)
                {
                    await outcome.AfterReport().ConfigureAwait(false);
                    return 0;
                }
            }
        }
        catch (TokenRejectedException e)
        {
            Log.TokenRejected(logger, e.Message);
            events.Emit("error", ("step", "auth"), ("msg", e.Message));
            return TokenRejectedExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return 0;
        }
    }

    private async Task<T> RetryAsync<T>(string step, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(ct).ConfigureAwait(false);
            }
            catch (ApplianceException e)
            {
                Log.CallFailed(logger, step, e.Message);
                if (attempt == 0 || attempt % 10 == 0)
                {
                    events.Emit("error", ("step", step), ("msg", e.Message), ("retry", true));
                }

                await Task.Delay(Backoff(attempt), time, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task FlushLogAsync(CancellationToken ct)
    {
        var lines = tail.TakeUnsent();
        if (lines.Count == 0)
        {
            return;
        }

        try
        {
            await appliance.SendLogAsync(new LogBatch(lines), ct).ConfigureAwait(false);
        }
        catch (ApplianceException e)
        {
            Log.CallFailed(logger, "log", e.Message);
        }
    }

    private string ReadBootId() => new SysfsReader(options.Root).Text("/proc/sys/kernel/random/boot_id") ?? Guid.NewGuid().ToString();

    private static partial class Log
    {
        [LoggerMessage(8001, LogLevel.Warning, "{Step}: {Message}; retrying")]
        public static partial void CallFailed(ILogger logger, string step, string message);

        [LoggerMessage(8002, LogLevel.Critical, "{Message}. The agent stops; power-cycle the machine to get a new token.")]
        public static partial void TokenRejected(ILogger logger, string message);
    }
}
