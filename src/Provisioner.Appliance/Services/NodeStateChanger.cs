using Provisioner.Appliance.Api;
using Provisioner.Boot.Inventory;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Services;

/// <summary>
/// Changes a node from the agent API and the workflows: re-reads and retries on a concurrent update (optimistic
/// concurrency), records lifecycle transitions in the node's history, refreshes the boot servers' snapshot and tells
/// the dashboard.
/// </summary>
public sealed class NodeStateChanger(INodeRepository nodes, InventorySnapshotCache snapshot, NodeEventHub events, TimeProvider time)
{
    /// <summary>Applies <paramref name="change"/> (null = nothing to do) to the current node, retrying on conflicts.</summary>
    public async Task<Node?> UpdateAsync(Guid nodeId, Func<Node, Node?> change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var node = await nodes.GetAsync(nodeId, cancellationToken).ConfigureAwait(false);
            if (node is null)
            {
                return null;
            }

            var changed = change(node);
            if (changed is null || changed == node)
            {
                return node;
            }

            try
            {
                var saved = await nodes.UpdateAsync(changed with { UpdatedAt = time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
                snapshot.Invalidate();
                events.Publish(NodeChange.From(saved, time.GetUtcNow()));
                return saved;
            }
            catch (ConcurrencyException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Applies a lifecycle action if the node's state allows it (else returns the node unchanged) and records it.</summary>
    public async Task<Node?> TransitionAsync(Guid nodeId, NodeAction action, string actor, string? reason, CancellationToken cancellationToken,
        string? failedStep = null, Func<Node, Node>? alsoChange = null)
    {
        NodeState? from = null;
        var saved = await UpdateAsync(nodeId, n =>
        {
            if (!NodeLifecycle.TryNext(n.State, action, out _))
            {
                return null;
            }

            from = n.State;
            var next = n.WithTransition(action, reason, failedStep);
            return alsoChange is null ? next : alsoChange(next);
        }, cancellationToken).ConfigureAwait(false);
        if (saved is not null && from is { } f && f != saved.State)
        {
            await nodes.AppendHistoryAsync(new NodeHistoryEntry
            {
                NodeId = nodeId,
                At = time.GetUtcNow(),
                Actor = actor,
                Kind = "transition",
                FromState = f,
                ToState = saved.State,
                Message = reason is null ? action.ToString() : $"{action}: {reason}",
            }, cancellationToken).ConfigureAwait(false);
        }

        return saved;
    }
}
