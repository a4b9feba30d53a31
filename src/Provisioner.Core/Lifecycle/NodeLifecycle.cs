using System.Collections.Frozen;

namespace Provisioner.Core.Lifecycle;

/// <summary>
/// The node state machine as one table, in the style of Ironic's states.py: every allowed
/// (state, action) -> next state, and for each state whether it is stable and what it aims at.
/// Anything not in the table is refused with <see cref="InvalidTransitionException"/>.
/// </summary>
public static class NodeLifecycle
{
    /// <summary>Every allowed transition.</summary>
    public static readonly IReadOnlyList<(NodeState From, NodeAction Action, NodeState To)> Transitions =
    [
        (NodeState.New, NodeAction.Commission, NodeState.Commissioning),
        (NodeState.Ready, NodeAction.Commission, NodeState.Commissioning),
        (NodeState.FailedCommissioning, NodeAction.Commission, NodeState.Commissioning),
        (NodeState.FailedDeployment, NodeAction.Commission, NodeState.Commissioning),
        (NodeState.Commissioning, NodeAction.CommissioningSucceeded, NodeState.Ready),
        (NodeState.Commissioning, NodeAction.CommissioningFailed, NodeState.FailedCommissioning),
        (NodeState.Commissioning, NodeAction.Abort, NodeState.FailedCommissioning),

        (NodeState.Ready, NodeAction.Deploy, NodeState.Deploying),
        (NodeState.Deploying, NodeAction.DeploySucceeded, NodeState.Deployed),
        (NodeState.Deploying, NodeAction.DeployFailed, NodeState.FailedDeployment),
        (NodeState.Deploying, NodeAction.Abort, NodeState.FailedDeployment),

        (NodeState.Deployed, NodeAction.Release, NodeState.Releasing),
        (NodeState.FailedDeployment, NodeAction.Release, NodeState.Releasing),
        (NodeState.FailedReleasing, NodeAction.Release, NodeState.Releasing),
        (NodeState.Releasing, NodeAction.ReleaseSucceeded, NodeState.Ready),
        (NodeState.Releasing, NodeAction.ReleaseFailed, NodeState.FailedReleasing),
        (NodeState.Releasing, NodeAction.Abort, NodeState.FailedReleasing),

        (NodeState.Deployed, NodeAction.Rescue, NodeState.Rescue),
        (NodeState.Rescue, NodeAction.ExitRescue, NodeState.Deployed),

        (NodeState.New, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.Ready, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.Deployed, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.FailedCommissioning, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.FailedDeployment, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.FailedReleasing, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.Rescue, NodeAction.MarkBroken, NodeState.Broken),
        (NodeState.Broken, NodeAction.MarkFixed, NodeState.Ready),
        (NodeState.Broken, NodeAction.Commission, NodeState.Commissioning),
    ];

    /// <summary>Per state: stable (waits for an operator) or transitional (a job is running), and the state it aims at.</summary>
    public static readonly FrozenDictionary<NodeState, (bool Stable, NodeState? Target)> States = new Dictionary<NodeState, (bool, NodeState?)>
    {
        [NodeState.New] = (true, null),
        [NodeState.Commissioning] = (false, NodeState.Ready),
        [NodeState.Ready] = (true, null),
        [NodeState.Deploying] = (false, NodeState.Deployed),
        [NodeState.Deployed] = (true, null),
        [NodeState.Releasing] = (false, NodeState.Ready),
        [NodeState.FailedCommissioning] = (true, null),
        [NodeState.FailedDeployment] = (true, null),
        [NodeState.FailedReleasing] = (true, null),
        [NodeState.Rescue] = (true, null),
        [NodeState.Broken] = (true, null),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<(NodeState, NodeAction), NodeState> Table =
        Transitions.ToFrozenDictionary(t => (t.From, t.Action), t => t.To);

    /// <summary>The state after <paramref name="action"/>, or throws naming the current state and the allowed actions.</summary>
    public static NodeState Next(NodeState state, NodeAction action) =>
        Table.TryGetValue((state, action), out var next) ? next : throw new InvalidTransitionException(state, action, AllowedActions(state));

    public static bool TryNext(NodeState state, NodeAction action, out NodeState next) => Table.TryGetValue((state, action), out next);

    /// <summary>The actions allowed in <paramref name="state"/>, in table order.</summary>
    public static IReadOnlyList<NodeAction> AllowedActions(NodeState state) =>
        Transitions.Where(t => t.From == state).Select(t => t.Action).Distinct().ToArray();

    public static bool IsStable(NodeState state) => States[state].Stable;

    public static bool IsFailed(NodeState state) =>
        state is NodeState.FailedCommissioning or NodeState.FailedDeployment or NodeState.FailedReleasing;
}
