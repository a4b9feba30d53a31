using Provisioner.Agent.Protocol;
using Provisioner.Appliance.Agent;
using Provisioner.Core.Power;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Appliance.Workflows;

/// <summary>Steps shared by the commission, deploy, release and rescue workflows.</summary>
public sealed class ProvisioningSteps(NodePower power, AgentTaskBroker agents)
{
    private sealed record StartedAt(DateTimeOffset At);

    public NodePower NodePower => power;

    public AgentTaskBroker Agents => agents;

    public JobStepDefinition SetBoot(BootDevice device, bool persistent = false) =>
        JobStepDefinition.Create(device == BootDevice.Pxe ? "set-boot-pxe" : "set-boot-disk",
            (ctx, ct) => power.SetBootDeviceAsync(ctx, device, persistent, ct), timeout: TimeSpan.FromMinutes(2), maxAttempts: 3);

    public JobStepDefinition PowerStep(string name, PowerAction action) =>
        JobStepDefinition.Create(name, (ctx, ct) => power.ApplyAsync(ctx, action, ct), timeout: TimeSpan.FromMinutes(3), maxAttempts: 3);

    /// <summary>Waits for the live agent to say hello after this step began (the time is checkpointed, so a re-run keeps it).</summary>
    public JobStepDefinition WaitAgent(TimeSpan timeout) => JobStepDefinition.Create("wait-agent", async (ctx, ct) =>
    {
        var started = ctx.GetCheckpoint<StartedAt>()?.At;
        if (started is null)
        {
            started = ctx.Time.GetUtcNow().AddSeconds(-1);
            await ctx.SaveCheckpointAsync(new StartedAt(started.Value), ct).ConfigureAwait(false);
        }

        var node = await power.NodeAsync(ctx, ct).ConfigureAwait(false);
        ctx.Log(JobLogLevel.Info, $"waiting for {node.Hostname} to PXE-boot the live image (its boot timeline shows DHCP, TFTP and HTTP as they happen)");
        var session = await agents.WaitForHelloAsync(node.Id, started.Value, ct).ConfigureAwait(false);
        ctx.Log(JobLogLevel.Info, $"live agent up on {node.Hostname} ({session.Firmware})");
    }, timeout: timeout);
}
