namespace Provisioner.Core.Lifecycle;

/// <summary>What can happen to a node: operator requests and job outcomes. Persisted in history: never renumber.</summary>
public enum NodeAction
{
    Commission = 1,
    CommissioningSucceeded = 2,
    CommissioningFailed = 3,
    Deploy = 4,
    DeploySucceeded = 5,
    DeployFailed = 6,
    Release = 7,
    ReleaseSucceeded = 8,
    ReleaseFailed = 9,

    /// <summary>Stop a running commission, deploy or release; the node lands in the matching Failed state.</summary>
    Abort = 10,
    Rescue = 11,
    ExitRescue = 12,
    MarkBroken = 13,
    MarkFixed = 14,
}
