namespace Provisioner.Core.Lifecycle;

/// <summary>A lifecycle action that is not allowed in the node's current state.</summary>
public sealed class InvalidTransitionException : InvalidOperationException
{
    public InvalidTransitionException(NodeState state, NodeAction action, IReadOnlyList<NodeAction> allowed)
        : base($"Cannot {action} a node that is {state}. Allowed in {state}: {(allowed.Count == 0 ? "none" : string.Join(", ", allowed))}.")
    {
        State = state;
        Action = action;
        Allowed = allowed;
    }

    public InvalidTransitionException()
    {
        Allowed = [];
    }

    public InvalidTransitionException(string message)
        : base(message)
    {
        Allowed = [];
    }

    public InvalidTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Allowed = [];
    }

    public NodeState State { get; }

    public NodeAction Action { get; }

    public IReadOnlyList<NodeAction> Allowed { get; }
}
