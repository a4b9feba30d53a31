using System.Globalization;
using System.Text.Json;
using Provisioner.Agent.Protocol;
using Provisioner.Appliance.Services;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Appliance.Workflows;

/// <summary>Release: optionally wipe the disks from the live image, then power off; the node is Ready again.</summary>
public sealed class ReleaseWorkflow(ProvisioningSteps steps, NodeStateChanger changer) : IJobWorkflow
{
    public string Kind => "release";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job)
    {
        var wipe = Wipe(job);
        if (wipe is null)
        {
            return [steps.PowerStep("power-off", PowerAction.Off), ClearImage()];
        }

        return
        [
            ClearImage(),
            steps.SetBoot(BootDevice.Pxe),
            steps.PowerStep("power-cycle", PowerAction.Cycle),
            steps.WaitAgent(),
            JobStepDefinition.Create("wipe", async (ctx, ct) =>
            {
                var node = await steps.NodePower.NodeAsync(ctx, ct).ConfigureAwait(false);
                var task = new AgentTask($"{ctx.JobId:N}-{ctx.StepIndex.ToString(CultureInfo.InvariantCulture)}", AgentTaskKind.Wipe, Wipe: new WipeTask(wipe.Value));
                var result = await steps.Agents.RunAsync(node.Id, task, p => ctx.ReportProgress(p.BytesDone, p.BytesTotal > 0 ? p.BytesTotal : null, p.Message ?? p.Step), ct)
                    .ConfigureAwait(false);
                if (!result.Success)
                {
                    throw new StepFailedException($"{node.Hostname}: wiping failed at {result.Step}: {result.Error}", retryable: false);
                }

                ctx.Log(JobLogLevel.Info, $"{node.Hostname}: disks wiped ({wipe.Value})");
            }, timeout: TimeSpan.FromHours(4)),
            steps.PowerStep("power-off", PowerAction.Off),
        ];
    }

    public async Task OnFinishedAsync(JobOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Job.NodeId is not { } nodeId)
        {
            return;
        }

        if (outcome.State == JobState.Succeeded)
        {
            await changer.TransitionAsync(nodeId, NodeAction.ReleaseSucceeded, "system", "released", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await changer.TransitionAsync(nodeId, NodeAction.ReleaseFailed, "system", $"release failed at {outcome.FailedStep}: {outcome.Error}",
                cancellationToken, outcome.FailedStep).ConfigureAwait(false);
        }
    }

    private JobStepDefinition ClearImage() => JobStepDefinition.Create("forget-image", async (ctx, ct) =>
    {
        var node = await steps.NodePower.NodeAsync(ctx, ct).ConfigureAwait(false);
        await changer.UpdateAsync(node.Id, n => n.Deploy.ImageWritten ? n with { Deploy = n.Deploy with { ImageWritten = false } } : null, ct).ConfigureAwait(false);
    }, timeout: TimeSpan.FromMinutes(1));

    private static WipeMode? Wipe(JobRecord job)
    {
        if (job.ParametersJson is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(job.ParametersJson);
        if (!doc.RootElement.TryGetProperty("wipe", out var w))
        {
            return null;
        }

        return w.ValueKind switch
        {
            JsonValueKind.True => WipeMode.Quick,
            JsonValueKind.String when w.GetString() == "full" => WipeMode.Full,
            JsonValueKind.String when w.GetString() == "quick" => WipeMode.Quick,
            _ => null,
        };
    }
}
