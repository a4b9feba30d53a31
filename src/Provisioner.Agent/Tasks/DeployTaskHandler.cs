using Provisioner.Agent.Disks;
using Provisioner.Agent.Imaging;
using Provisioner.Agent.Protocol;
using Provisioner.Agent.Seed;

namespace Provisioner.Agent.Tasks;

/// <summary>
/// Deploy: pick and check the target disk, stream the image through the <see cref="IImageWriter"/> (sha256 verified),
/// then add the cloud-init seed partition. Each step fails with a message that names the disk, sizes or checksums.
/// </summary>
public sealed class DeployTaskHandler(Func<IReadOnlyList<DiskFacts>> disks, IImageWriter writer, NoCloudSeedWriter seedWriter) : ITaskHandler
{
    /// <inheritdoc />
    public AgentTaskKind Kind => AgentTaskKind.Deploy;

    /// <inheritdoc />
    public async Task<TaskOutcome> ExecuteAsync(TaskContext context, CancellationToken ct)
    {
        var deploy = context.Task.Deploy ?? throw context.Fail("the deploy task carries no deploy parameters");
        var image = deploy.Image;
        if (image.SizeBytes <= 0 || image.Sha256.Length != 64 || !image.Sha256.All(Uri.IsHexDigit))
        {
            throw context.Fail($"the image description is invalid (sizeBytes={image.SizeBytes}, sha256='{image.Sha256}')");
        }

        context.Enter("select-disk");
        var target = deploy.TargetDisk;
        if (target is null)
        {
            var all = disks();
            // Room for the seed partition too when there is a seed.
            var needed = image.SizeBytes + (deploy.Seed is null ? 0 : NoCloudSeedWriter.PartitionBytes + (2 << 20));
            target = DiskSelector.Pick(all, needed)?.Path
                ?? throw context.Fail($"no non-removable disk of at least {needed} bytes ({DiskSelector.Describe(all)})");
        }

        long capacity;
        try
        {
            capacity = BlockDevice.SizeOf(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw context.Fail($"target disk {target} is not available: {e.Message}", e);
        }

        if (capacity < image.SizeBytes)
        {
            throw context.Fail($"target disk {target} holds {capacity} bytes, smaller than the image ({image.SizeBytes} bytes)");
        }

        context.Events.Emit("deploy-target", ("disk", target), ("bytes", capacity), ("image", image.SizeBytes), ("format", image.Format.ToString().ToLowerInvariant()));
        context.Enter("write-image");
        ImageWriteResult written;
        try
        {
            written = await writer.WriteAsync(image, target, new Progress(context.Progress), ct).ConfigureAwait(false);
        }
        catch (ImageWriteException e)
        {
            throw context.Fail(e.Message, e);
        }

        context.Events.Emit("image-written", ("disk", target), ("bytes", written.BytesWritten), ("sha256", written.Sha256));
        if (deploy.Seed is not null)
        {
            context.Enter("write-seed");
            try
            {
                var offset = await seedWriter.WriteAsync(target, deploy.Seed, ct).ConfigureAwait(false);
                context.Events.Emit("seed-written", ("disk", target), ("offset", offset));
            }
            catch (Exception e) when (e is SeedException or IOException or UnauthorizedAccessException)
            {
                throw context.Fail(e.Message, e);
            }
        }

        context.Enter("done");
        return TaskOutcome.Done;
    }

    // IProgress without a SynchronizationContext hop: the reporter is cheap and thread-safe enough for one writer.
    private sealed class Progress(ProgressReporter reporter) : IProgress<ImageWriteProgress>
    {
        public void Report(ImageWriteProgress value) => reporter.Report(value.BytesWritten, value.BytesTotal);
    }
}
