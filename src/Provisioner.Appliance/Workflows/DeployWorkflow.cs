using System.Globalization;
using Provisioner.Agent.Protocol;
using Provisioner.Appliance.Agent;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Services;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;
using Provisioner.Templates.Context;
using ProtocolFormat = Provisioner.Agent.Protocol.ImageFormat;

namespace Provisioner.Appliance.Workflows;

/// <summary>
/// Deploy: PXE-boot the live image, stream and verify the OS image, write the rendered cloud-init seed, boot from disk,
/// and wait until the deployed OS itself calls back (its first boot ran the rendered user-data). Only that callback makes
/// the node Deployed.
/// </summary>
public sealed class DeployWorkflow(
    ProvisioningSteps steps,
    NodeStateChanger changer,
    NodeTemplates templates,
    IImageRepository images,
    IProfileRepository profiles,
    DeployCallbacks callbacks) : IJobWorkflow
{
    private sealed record StartedAt(DateTimeOffset At);

    public string Kind => "deploy";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job) =>
    [
        JobStepDefinition.Create("prepare", PrepareAsync, timeout: TimeSpan.FromMinutes(1)),
        steps.SetBoot(BootDevice.Pxe),
        steps.PowerStep("power-cycle", PowerAction.Cycle),
        steps.WaitAgent(),
        JobStepDefinition.Create("stream-image", StreamImageAsync, timeout: TimeSpan.FromHours(2)),
        steps.SetBoot(BootDevice.Disk, persistent: true),
        steps.PowerStep("reboot", PowerAction.Cycle),
        JobStepDefinition.Create("wait-deployed", WaitDeployedAsync, timeout: TimeSpan.FromMinutes(20)),
    ];

    public async Task OnFinishedAsync(JobOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.Job.NodeId is not { } nodeId)
        {
            return;
        }

        if (outcome.State == JobState.Succeeded)
        {
            await changer.TransitionAsync(nodeId, NodeAction.DeploySucceeded, "system", "the deployed OS called back", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await changer.TransitionAsync(nodeId, NodeAction.DeployFailed, "system",
                $"deploy failed at {outcome.FailedStep}: {outcome.Error}", cancellationToken, outcome.FailedStep).ConfigureAwait(false);
        }
    }

    private async Task PrepareAsync(StepContext ctx, CancellationToken ct)
    {
        var node = await steps.NodePower.NodeAsync(ctx, ct).ConfigureAwait(false);
        if (node.Deploy.Image is not { } imageName || await images.FindByNameAsync(imageName, ct).ConfigureAwait(false) is null)
        {
            throw new StepFailedException($"{node.Hostname}: no image '{node.Deploy.Image}' to deploy; register it ('provisioner image list').", retryable: false);
        }

        await EnsureNetworkAsync(node, ct).ConfigureAwait(false);

        // A previous deploy's "image written" must not send this boot to the old disk.
        await changer.UpdateAsync(node.Id, n => n.Deploy.ImageWritten ? n with { Deploy = n.Deploy with { ImageWritten = false } } : null, ct).ConfigureAwait(false);
        ctx.Log(JobLogLevel.Info, $"{node.Hostname}: deploying {imageName} with profile {node.Deploy.Profile ?? "(none)"}");
    }

    private async Task StreamImageAsync(StepContext ctx, CancellationToken ct)
    {
        var node = await steps.NodePower.NodeAsync(ctx, ct).ConfigureAwait(false);
        var image = await images.FindByNameAsync(node.Deploy.Image!, ct).ConfigureAwait(false)
                    ?? throw new StepFailedException($"{node.Hostname}: image {node.Deploy.Image} was deleted during the deploy.", retryable: false);
        var session = steps.Agents.Session(node.Id);
        var firmware = session?.Firmware == FirmwareMode.Uefi ? BootFirmware.Uefi : BootFirmware.Bios;
        var seed = await SeedAsync(node, firmware, ct).ConfigureAwait(false);

        var url = ImageUrl(templates.BaseUrl, image.Location);
        var task = new AgentTask($"{ctx.JobId:N}-{ctx.StepIndex.ToString(CultureInfo.InvariantCulture)}", AgentTaskKind.Deploy,
            new DeployTask(new ImageSource(url, Format(image.Format), image.Sha256, image.SizeBytes, image.Format == Core.Inventory.ImageFormat.Chunked ? url : null),
                TargetDisk: node.Deploy.Variables.GetValueOrDefault("target_disk"), Seed: seed));
        ctx.Log(JobLogLevel.Info, $"{node.Hostname}: streaming {image.Name} ({image.Format}, {image.SizeBytes} bytes, sha256 {image.Sha256[..12]}…) from {url}");
        var result = await steps.Agents.RunAsync(node.Id, task, p =>
            ctx.ReportProgress(p.BytesDone, p.BytesTotal > 0 ? p.BytesTotal : image.SizeBytes, p.Message ?? p.Step), ct).ConfigureAwait(false);
        foreach (var line in result.LogTail.TakeLast(10))
        {
            ctx.Log(result.Success ? JobLogLevel.Info : JobLogLevel.Error, "agent: " + line);
        }

        if (!result.Success)
        {
            throw new StepFailedException($"{node.Hostname}: the live agent failed at {result.Step}: {result.Error}. " +
                                          "Nothing was reported as deployed; fix the cause (image checksum, disk size) and retry the job.", retryable: false);
        }

        await changer.UpdateAsync(node.Id, n => n with { Deploy = n.Deploy with { ImageWritten = true } }, ct).ConfigureAwait(false);
        ctx.ReportProgress(image.SizeBytes, image.SizeBytes, "image written and verified; seed written");
    }

    private async Task WaitDeployedAsync(StepContext ctx, CancellationToken ct)
    {
        var started = ctx.GetCheckpoint<StartedAt>()?.At;
        if (started is null)
        {
            started = ctx.Time.GetUtcNow().AddSeconds(-1);
            await ctx.SaveCheckpointAsync(new StartedAt(started.Value), ct).ConfigureAwait(false);
        }

        var node = await steps.NodePower.NodeAsync(ctx, ct).ConfigureAwait(false);
        ctx.Log(JobLogLevel.Info, $"waiting for {node.Hostname}'s deployed OS to run its user-data and call back");
        var values = await callbacks.WaitAsync(node.Id, started.Value, ct).ConfigureAwait(false);
        ctx.Log(JobLogLevel.Info, $"{node.Hostname} called back from its deployed OS: {string.Join(' ', values.Select(kv => $"{kv.Key}={kv.Value}"))}");
    }

    /// <summary>Refuses a node its BPOD's network layout cannot be built for: a deployed OS without its bonds or VLAN
    /// addresses would be unreachable on the networks it is meant for, which is worse than not deploying.</summary>
    private async Task EnsureNetworkAsync(Node node, CancellationToken ct)
    {
        var problems = await templates.NetworkProblemsAsync(node, ct).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            throw new StepFailedException($"{string.Join(" ", problems)} Fix the BPOD's network layout or the node (interfaces, slot, address), " +
                                          "or override it for the node with the network_bonds / network_vlans variables.", retryable: false);
        }
    }

    /// <summary>Renders the node's NoCloud seed: user-data from its profile (default cloud-init/user-data), meta-data, network-config.</summary>
    private async Task<CloudInitSeed> SeedAsync(Node node, BootFirmware firmware, CancellationToken ct)
    {
        // The layout or the node may have changed since the prepare step.
        await EnsureNetworkAsync(node, ct).ConfigureAwait(false);
        var profile = node.Deploy.Profile is { } p ? await profiles.FindByNameAsync(p, ct).ConfigureAwait(false) : null;
        string Template(string purpose, string fallback) => profile?.Templates.GetValueOrDefault(purpose) ?? fallback;
        // The seed's token must outlive the reboot into the deployed OS (its callback uses it).
        var (context, _) = await templates.ContextAsync(node, "deploy", firmware, ct, TimeSpan.FromDays(1)).ConfigureAwait(false);
        var userData = await templates.RenderAsync(node, Template("user-data", "cloud-init/user-data"), "deploy", context, ct).ConfigureAwait(false);
        var metaData = await templates.RenderAsync(node, Template("meta-data", "cloud-init/meta-data"), "deploy", context, ct).ConfigureAwait(false);
        var network = await templates.RenderAsync(node, Template("network-config", "cloud-init/network-config"), "deploy", context, ct).ConfigureAwait(false);
        return new CloudInitSeed(userData.Output, metaData.Output, network.Output);
    }

    /// <summary>An image elsewhere as registered; one of ours through the agent API, where the node's boot token is checked.</summary>
    private static string ImageUrl(string baseUrl, string location) =>
        Uri.TryCreate(location, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? location
            : $"{baseUrl}{AgentApi.Images}/{string.Join('/', location.TrimStart('/').Split('/').Select(Uri.EscapeDataString))}";

    private static ProtocolFormat Format(Core.Inventory.ImageFormat format) => format switch
    {
        Core.Inventory.ImageFormat.RawGzip => ProtocolFormat.Gzip,
        Core.Inventory.ImageFormat.RawZstd => ProtocolFormat.Zstd,
        Core.Inventory.ImageFormat.RawXz => ProtocolFormat.Xz,
        Core.Inventory.ImageFormat.Chunked => ProtocolFormat.Chunked,
        _ => ProtocolFormat.Raw,
    };
}
