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

/// <summary>
/// Writes power changes into the node (its power state) and its history: those the monitor sees, and those an operator
/// confirms for a manual node. One path, so both read the same on the node page.
/// </summary>
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

        await RecordAsync(node.Id, state, "power-monitor", _ => change.Error is { } e
            ? $"BMC {change.Target.Address} not answering: {e.Message}"
            : $"power {change.Previous.ToString().ToLowerInvariant()} -> {change.Current.ToString().ToLowerInvariant()} (seen by the power monitor)",
            recordUnchanged: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets the node's power state and appends a "power" history entry by <paramref name="actor"/> when it changed (or
    /// always, with <paramref name="recordUnchanged"/>: an operator's power cycle leaves it On, yet it happened).
    /// <paramref name="message"/> gets the state before. Returns false when the node no longer exists.
    /// </summary>
    public async Task<bool> RecordAsync(Guid nodeId, NodePowerState state, string actor, Func<NodePowerState, string> message, bool recordUnchanged,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        NodePowerState? before = null;
        var saved = await changer.UpdateAsync(nodeId, n =>
        {
            before = n.PowerState;
            return n.PowerState == state ? null : n with { PowerState = state };
        }, cancellationToken).ConfigureAwait(false);
        if (saved is null || before is not { } previous)
        {
            return false;
        }

        if (previous != state || recordUnchanged)
        {
            await nodes.AppendHistoryAsync(new NodeHistoryEntry
            {
                NodeId = nodeId,
                At = time.GetUtcNow(),
                Actor = actor,
                Kind = "power",
                Message = message(previous),
            }, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
