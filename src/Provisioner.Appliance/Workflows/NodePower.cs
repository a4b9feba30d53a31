using Provisioner.Appliance.Services;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;
using Provisioner.Jobs.Workflows;
using Provisioner.Power;

namespace Provisioner.Appliance.Workflows;

/// <summary>The power operations workflows need, on a node's BMC: act, verify, record the state, and say clearly what failed.</summary>
public sealed class NodePower(INodeRepository nodes, PowerDriverRegistry drivers, PowerActionRunner runner, NodeStateChanger changer,
    IOperatorRequestRepository operatorRequests)
{
    public static PowerTarget TargetOf(Node node, BmcSettings bmc) => new()
    {
        Driver = bmc.Driver,
        Address = bmc.Address ?? string.Empty,
        Port = bmc.Port,
        Username = bmc.Username,
        Secret = bmc.Secret,
        Settings = bmc.Options,
        NodeName = node.Hostname,
    };

    public async Task<Node> NodeAsync(StepContext step, CancellationToken ct) =>
        await nodes.GetAsync(step.NodeId ?? throw new StepFailedException("This job names no node.", retryable: false), ct).ConfigureAwait(false)
        ?? throw new StepFailedException($"Node {step.NodeId} no longer exists.", retryable: false);

    /// <summary>Sets the next boot device if the node's driver can (manual power: asks the operator); logs and carries on when it cannot (PDUs).</summary>
    public async Task SetBootDeviceAsync(StepContext step, BootDevice device, bool persistent, CancellationToken ct)
    {
        var node = await NodeAsync(step, ct).ConfigureAwait(false);
        if (node.Bmc is not { } bmc || !drivers.TryGet(bmc.Driver, out var driver) || !driver.Capabilities.HasFlag(PowerDriverCapabilities.SetBootDevice))
        {
            step.Log(JobLogLevel.Info, $"{node.Hostname}: its power driver ({node.Bmc?.Driver ?? "none"}) cannot set the boot device; relying on the firmware's boot order.");
            return;
        }

        try
        {
            await runner.SetBootDeviceAsync(TargetOf(node, bmc) with { JobId = step.JobId }, new BootDeviceSetting(device, persistent), ct).ConfigureAwait(false);
            if (driver.Capabilities.HasFlag(PowerDriverCapabilities.RequiresOperator))
            {
                await LogWaitingForOperatorAsync(step, node, $"set the next boot device to {device}", ct).ConfigureAwait(false);
                return;
            }

            step.Log(JobLogLevel.Info, $"{node.Hostname}: next boot from {device} set on BMC {bmc.Address} and read back.");
        }
        catch (PowerException e)
        {
            throw new StepFailedException($"{node.Hostname}: setting the next boot to {device} through {Via(bmc)} failed: {e.Message}. " +
                                          $"{Advice(bmc)}, then retry the job.", e.IsTransient);
        }
    }

    /// <summary>
    /// Applies a power action and waits until the BMC confirms the state. Manual power asks the operator (a request on the
    /// dashboard) and does not wait; without a BMC, the log asks.
    /// </summary>
    public async Task ApplyAsync(StepContext step, PowerAction action, CancellationToken ct)
    {
        var node = await NodeAsync(step, ct).ConfigureAwait(false);
        if (node.Bmc is not { } bmc)
        {
            step.Log(JobLogLevel.Warn, $"{node.Hostname} has no BMC: power it {action} by hand now.");
            return;
        }

        try
        {
            var target = TargetOf(node, bmc) with { JobId = step.JobId };
            var capabilities = drivers.TryGet(bmc.Driver, out var d) ? d.Capabilities : PowerDriverCapabilities.None;
            // Cycling a machine that is off does nothing on many BMCs: power it on instead.
            if (action is PowerAction.Cycle or PowerAction.Reset && capabilities.HasFlag(PowerDriverCapabilities.Query)
                && await runner.QueryAsync(target, ct).ConfigureAwait(false) == PowerState.Off)
            {
                action = PowerAction.On;
            }

            var result = await runner.ApplyAsync(target, action, ct).ConfigureAwait(false);
            if (capabilities.HasFlag(PowerDriverCapabilities.RequiresOperator))
            {
                // Nothing is confirmed yet: the power state changes when the operator says it is done.
                await LogWaitingForOperatorAsync(step, node, result.Message, ct).ConfigureAwait(false);
                return;
            }

            step.Log(JobLogLevel.Info, $"{node.Hostname}: {result.Message}");
            await changer.UpdateAsync(node.Id, n => n with
            {
                PowerState = result.State switch { PowerState.On => NodePowerState.On, PowerState.Off => NodePowerState.Off, _ => NodePowerState.Unknown },
            }, ct).ConfigureAwait(false);
        }
        catch (PowerException e)
        {
            throw new StepFailedException($"{node.Hostname}: power {action} through {Via(bmc)} failed: {e.Message}. " +
                                          (bmc.Driver == "ipmi"
                                              ? "Check that the BMC answers (ipmitool -I lanplus -C 3 -H ADDRESS ... chassis power status) and its credentials."
                                              : $"{Advice(bmc)}."), e.IsTransient);
        }
    }

    // What the error names: the BMC by address, or the driver when there is no address (manual power).
    private static string Via(BmcSettings bmc) => string.IsNullOrEmpty(bmc.Address) ? $"the {bmc.Driver} power driver" : $"BMC {bmc.Address}";

    private static string Advice(BmcSettings bmc) => string.IsNullOrEmpty(bmc.Address)
        ? $"Check the node's power settings (node page, BMC: driver {bmc.Driver})"
        : "Check the BMC address and credentials (node page, BMC)";

    /// <summary>Says in the job log what the operator was asked (the stored request's own words) and where they see it.</summary>
    private async Task LogWaitingForOperatorAsync(StepContext step, Node node, string fallback, CancellationToken ct)
    {
        var asked = await operatorRequests.ListAsync(new OperatorRequestQuery
        {
            JobId = step.JobId,
            NodeId = node.Id,
            Status = OperatorRequestStatus.Pending,
            Page = new PageRequest(0, 1),
        }, ct).ConfigureAwait(false);
        var what = asked.Items.Count > 0 ? asked.Items[0].What : fallback;
        step.Log(JobLogLevel.Warn, $"node {node.Hostname}: waiting for an operator: {what} (shown on the dashboard, Power requests)");
    }
}
