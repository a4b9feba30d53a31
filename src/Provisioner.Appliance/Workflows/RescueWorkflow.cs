using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Appliance.Workflows;

/// <summary>Rescue: boot the live image (the disk is left alone) and wait for its agent.</summary>
public sealed class RescueWorkflow(ProvisioningSteps steps) : IJobWorkflow
{
    public string Kind => "rescue";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job) =>
    [
        steps.SetBoot(BootDevice.Pxe),
        steps.PowerStep("power-cycle", PowerAction.Cycle),
        steps.WaitAgent(),
    ];
}
