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
    /// Waits for the live agent to say hello after this step began (the time is checkpointed, so a re-run keeps it), at most
    /// Jobs:WaitAgentMinutes; when it never comes, the error says how far the node got on its boot timeline.
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
        var limit = TimeSpan.FromMinutes(Math.Max(1, settings.Jobs.WaitAgentMinutes));
        var left = started.Value + limit - ctx.Time.GetUtcNow();
        using var deadline = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, ctx.Time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        try
        {
            var session = await agents.WaitForHelloAsync(node.Id, started.Value, bounded.Token).ConfigureAwait(false);
            ctx.Log(JobLogLevel.Info, $"live agent up on {node.Hostname} ({session.Firmware})");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new StepFailedException(await NoAgentReasonAsync(node, started.Value, limit, ct).ConfigureAwait(false), retryable: false);
        }
    }, timeout: TimeSpan.FromMinutes(Math.Max(1, settings.Jobs.WaitAgentMinutes) + 1));

    /// <summary>"No agent" explained from the boot timeline: nothing at all, DHCP only, the script but no agent...</summary>
    private async Task<string> NoAgentReasonAsync(Node node, DateTimeOffset since, TimeSpan limit, CancellationToken ct)
    {
        var macs = node.Interfaces.Select(i => i.Mac).ToArray();
        var seen = (await bootEvents.ListForNodeAsync(node.Id, macs, 200, ct).ConfigureAwait(false))
            .Where(e => e.At >= since && e.Source is BootEventSource.Dhcp or BootEventSource.Tftp or BootEventSource.Http)
            .ToList();
        var minutes = limit.TotalMinutes.ToString("0", CultureInfo.InvariantCulture);
        if (seen.Count == 0)
        {
            return $"{node.Hostname}: no live agent within {minutes} min, and nothing from its MACs ({string.Join(", ", macs)}) reached DHCP, TFTP " +
                   "or HTTP since power-on: check that the machine powered on (BMC console), that network boot is enabled in its firmware " +
                   "and that its PXE NIC is cabled to this BPOD's network (or its relay points at this appliance).";
        }

        var last = seen[^1];
        return $"{node.Hostname}: no live agent within {minutes} min; the boot got as far as {last.Kind} at " +
               $"{last.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} ({last.Summary}); see the node's boot timeline and its console.";
    }
}
