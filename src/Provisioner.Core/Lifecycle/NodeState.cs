namespace Provisioner.Core.Lifecycle;

/// <summary>
/// Lifecycle state of a node. The numbers are persisted: never renumber (a test freezes them).
/// </summary>
public enum NodeState
{
    /// <summary>Enlisted (by PXE discovery or by hand), not yet commissioned.</summary>
    New = 1,

    /// <summary>Booting the live image to report hardware facts.</summary>
    Commissioning = 2,

    /// <summary>Commissioned and available to deploy.</summary>
    Ready = 3,

    /// <summary>A deploy job is writing the OS and configuration.</summary>
    Deploying = 4,

    /// <summary>Running its deployed OS (confirmed by the OS's own first-boot callback).</summary>
    Deployed = 5,

    /// <summary>Being released: optional disk wipe, power off.</summary>
    Releasing = 6,

    FailedCommissioning = 7,
    FailedDeployment = 8,
    FailedReleasing = 9,

    /// <summary>Booted into the live image for repair, from Deployed.</summary>
    Rescue = 10,

    /// <summary>Taken out of service by an operator, with a reason.</summary>
    Broken = 11,
}
