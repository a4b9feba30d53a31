using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Appliance.Workflows;

/// <summary>power-on / power-off / power-cycle jobs: one verified power action through the node's BMC.</summary>
public sealed class PowerWorkflow(string kind, PowerAction action, ProvisioningSteps steps) : IJobWorkflow
{
    public string Kind => kind;

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job) => [steps.PowerStep(kind, action)];
}
