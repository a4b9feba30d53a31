using System.Globalization;
using Provisioner.Agent.Protocol;
using Provisioner.Appliance.Agent;
using Provisioner.Appliance.Options;
using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Appliance.Workflows;

/// <summary>Steps shared by the commission, deploy, release and rescue workflows.</summary>
public sealed class ProvisioningSteps(NodePower power, AgentTaskBroker agents, IBootEventRepository bootEvents, ApplianceSettings settings)
{
    private sealed record StartedAt(DateTimeOffset At);

    public NodePower NodePower => power;

    public AgentTaskBroker Agents => agents;

    public JobStepDefinition SetBoot(BootDevice device, bool persistent = false) =>
        JobStepDefinition.Create(device == BootDevice.Pxe ? "set-boot-pxe" : "set-boot-disk",
            (ctx, ct) => power.SetBootDeviceAsync(ctx, device, persistent, ct), timeout: TimeSpan.FromMinutes(2), maxAttempts: 3);

    public JobStepDefinition PowerStep(string name, PowerAction action) =>
        JobStepDefinition.Create(name, (ctx, ct) => power.ApplyAsync(ctx, action, ct), timeout: TimeSpan.FromMinutes(3), maxAttempts: 3);

    /// <summary>
    /// Waits for the live agent to say hello after this step began (the time is checkpointed, so a re-run keeps it). The
    /// limit, Jobs:WaitAgentMinutes, counts from the node's latest boot event (DHCP, TFTP, HTTP) since then: a machine still
    /// making progress (a slow firmware, a busy rack) keeps its time, one that went quiet fails a limit after it went quiet,
    /// and none waits longer than <see cref="WaitAgentCap"/> limits in all (a boot loop keeps making events). When the
    /// agent never comes, the error says how far the node got on its boot timeline.
    /// </summary>
    public JobStepDefinition WaitAgent() => JobStepDefinition.Create("wait-agent", async (ctx, ct) =>
    {
        var started = ctx.GetCheckpoint<StartedAt>()?.At;
        if (started is null)
        {
            started = ctx.Time.GetUtcNow().AddSeconds(-1);
            await ctx.SaveCheckpointAsync(new StartedAt(started.Value), ct).ConfigureAwait(false);
        }

        var node = await power.NodeAsync(ctx, ct).ConfigureAwait(false);
        ctx.Log(JobLogLevel.Info, $"waiting for {node.Hostname} to PXE-boot the live image (its boot timeline shows DHCP, TFTP and HTTP as they happen)");
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hello = agents.WaitForHelloAsync(node.Id, started.Value, waiting.Token);
        try
        {
            await WaitForHelloOrSilenceAsync(ctx, node, started.Value, hello, ct).ConfigureAwait(false);
        }
        finally
        {
            await waiting.CancelAsync().ConfigureAwait(false); // no waiter left behind when the step fails
        }
    }, timeout: (WaitAgentLimit * WaitAgentCap) + TimeSpan.FromMinutes(1));

    private async Task WaitForHelloOrSilenceAsync(StepContext ctx, Node node, DateTimeOffset started, Task<AgentSession> hello, CancellationToken ct)
    {
        var limit = WaitAgentLimit;
        var cap = started + (limit * WaitAgentCap);
        while (true)
        {
            var quietSince = (await LastBootEventAsync(node, started, ct).ConfigureAwait(false))?.At ?? started;
            var deadline = quietSince + limit < cap ? quietSince + limit : cap;
            var left = deadline - ctx.Time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw new StepFailedException(await NoAgentReasonAsync(node, started, limit, ct).ConfigureAwait(false), retryable: false);
            }

            try
            {
                // Wake at the deadline to look at the timeline again: the boot may have moved on meanwhile.
                var session = await hello.WaitAsync(left, ctx.Time, ct).ConfigureAwait(false);
                ctx.Log(JobLogLevel.Info, $"live agent up on {node.Hostname} ({session.Firmware})");
                return;
            }
            catch (TimeoutException)
            {
                // loop: extended if there was progress, else failed above
            }
        }
    }

    /// <summary>The longest a node may wait for its agent, in <see cref="WaitAgentLimit"/>s.</summary>
    public const int WaitAgentCap = 3;

    private TimeSpan WaitAgentLimit => TimeSpan.FromMinutes(Math.Max(1, settings.Jobs.WaitAgentMinutes));

    private async Task<BootEvent?> LastBootEventAsync(Node node, DateTimeOffset since, CancellationToken ct) =>
        (await BootEventsSinceAsync(node, since, ct).ConfigureAwait(false)).LastOrDefault();

    private async Task<List<BootEvent>> BootEventsSinceAsync(Node node, DateTimeOffset since, CancellationToken ct) =>
        (await bootEvents.ListForNodeAsync(node.Id, node.Interfaces.Select(i => i.Mac).ToArray(), 200, ct).ConfigureAwait(false))
            .Where(e => e.At >= since && e.Source is BootEventSource.Dhcp or BootEventSource.Tftp or BootEventSource.Http)
            .OrderBy(e => e.At)
            .ToList();

    /// <summary>"No agent" explained from the boot timeline: nothing at all, DHCP only, the script but no agent...</summary>
    private async Task<string> NoAgentReasonAsync(Node node, DateTimeOffset since, TimeSpan limit, CancellationToken ct)
    {
        var macs = node.Interfaces.Select(i => i.Mac).ToArray();
        var seen = await BootEventsSinceAsync(node, since, ct).ConfigureAwait(false);
        var minutes = limit.TotalMinutes.ToString("0", CultureInfo.InvariantCulture);
        if (seen.Count == 0)
        {
            return $"{node.Hostname}: no live agent within {minutes} min, and nothing from its MACs ({string.Join(", ", macs)}) reached DHCP, TFTP " +
                   "or HTTP since power-on: check that the machine powered on (BMC console), that network boot is enabled in its firmware " +
                   "and that its PXE NIC is cabled to this BPOD's network (or its relay points at this appliance).";
        }

        var last = seen[^1];
        return $"{node.Hostname}: no live agent, and no boot progress for {minutes} min; the boot got as far as {last.Kind} at " +
               $"{last.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} ({last.Summary}); see the node's boot timeline and its console.";
    }
}
