using Provisioner.Appliance.Workflows;
using Provisioner.Boot.Inventory;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;

namespace Provisioner.Appliance.Services;

/// <summary>What the power monitor polls: every node with a BMC, from the inventory snapshot.</summary>
public sealed class NodePowerTargets(InventorySnapshotCache cache) : IPowerTargetSource
{
    public ValueTask<IReadOnlyList<PowerTarget>> GetTargetsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<PowerTarget>>(cache.Current.Nodes
            .Where(n => n.Bmc is { Driver: not "manual" })
            .Select(n => NodePower.TargetOf(n, n.Bmc!))
            .ToArray());
}

/// <summary>Writes power changes the monitor sees into the node (power state) and its history.</summary>
public sealed class NodePowerHistory(InventorySnapshotCache cache, NodeStateChanger changer, INodeRepository nodes, TimeProvider time) : IPowerStateObserver
{
    public async ValueTask OnPowerStateChangedAsync(PowerStateChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var node = cache.Current.Nodes.FirstOrDefault(n => n.Hostname == change.Target.NodeName);
        if (node is null)
        {
            return;
        }

        var state = change.Current switch { PowerState.On => NodePowerState.On, PowerState.Off => NodePowerState.Off, _ => NodePowerState.Unknown };
        if (change.Error is not null)
        {
            state = NodePowerState.Error;
        }

        var saved = await changer.UpdateAsync(node.Id, n => n.PowerState == state ? null : n with { PowerState = state }, cancellationToken).ConfigureAwait(false);
        if (saved is not null && node.PowerState != state)
        {
            await nodes.AppendHistoryAsync(new NodeHistoryEntry
            {
                NodeId = node.Id,
                At = time.GetUtcNow(),
                Actor = "power-monitor",
                Kind = "power",
                Message = change.Error is { } e
                    ? $"BMC {change.Target.Address} not answering: {e.Message}"
                    : $"power {change.Previous.ToString().ToLowerInvariant()} -> {change.Current.ToString().ToLowerInvariant()} (seen by the power monitor)",
            }, cancellationToken).ConfigureAwait(false);
        }
    }
}
