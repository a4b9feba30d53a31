using Provisioner.Appliance.Services;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Appliance.Workflows;

/// <summary>
/// Commissioning: PXE-boot the live image, whose agent reports the hardware (the agent API moves the node to Ready and
/// powers it off); the job waits for that and fails with the step that did not happen.
/// </summary>
public sealed class CommissionWorkflow(ProvisioningSteps steps, NodeStateChanger changer) : IJobWorkflow
{
    public string Kind => "commission";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job) =>
    [
        steps.SetBoot(BootDevice.Pxe),
        steps.PowerStep("power-cycle", PowerAction.Cycle),
        steps.WaitAgent(),
        JobStepDefinition.Create("wait-facts", async (ctx, ct) =>
        {
            while (true)
            {
                var node = await steps.NodePower.NodeAsync(ctx, ct).ConfigureAwait(false);
                if (node.State == NodeState.Ready)
                {
                    ctx.Log(JobLogLevel.Info, $"{node.Hostname} reported its hardware and is Ready");
                    return;
                }

                if (node.State != NodeState.Commissioning)
                {
                    throw new StepFailedException($"{node.Hostname} left Commissioning (now {node.State}) before reporting its hardware.", retryable: false);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ctx.Time, ct).ConfigureAwait(false);
            }
        }, timeout: TimeSpan.FromMinutes(10)),
    ];

    public async Task OnFinishedAsync(JobOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.State != JobState.Succeeded && outcome.Job.NodeId is { } nodeId)
        {
            await changer.TransitionAsync(nodeId, NodeAction.CommissioningFailed, "system",
                $"commissioning failed at {outcome.FailedStep}: {outcome.Error}", cancellationToken, outcome.FailedStep).ConfigureAwait(false);
        }
    }
}
