using Microsoft.Win32.SafeHandles;
using Provisioner.Agent.Disks;
using Provisioner.Agent.Facts;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Tasks;

/// <summary>
/// Wipe on release. Quick: the first MiB of every partition (filesystem, LVM and RAID signatures live there) and the
/// first and last MiB of the disk (MBR, primary and backup GPT). Full: the whole disk with BLKZEROOUT (the kernel
/// offloads to write-zeroes/unmap when the device can), falling back to writing zeros; progress over all bytes.
/// </summary>
public sealed class WipeTaskHandler(Func<IReadOnlyList<DiskFacts>> disks, SysfsReader fs) : ITaskHandler
{
    private const long MiB = 1 << 20;

    // Full wipes go in slices so progress flows and cancellation is prompt.
    private const long Slice = 256 * MiB;

    /// <inheritdoc />
    public AgentTaskKind Kind => AgentTaskKind.Wipe;

    /// <inheritdoc />
    public async Task<TaskOutcome> ExecuteAsync(TaskContext context, CancellationToken ct)
    {
        var wipe = context.Task.Wipe ?? new WipeTask(WipeMode.Quick);
        context.Enter("select-disks");
        var targets = wipe.Disks?.ToArray() ?? disks().Where(d => !d.Removable).Select(d => d.Path).ToArray();
        if (targets.Length == 0)
        {
            throw context.Fail($"no disks to wipe ({DiskSelector.Describe(disks())})");
        }

        var sizes = new long[targets.Length];
        for (var i = 0; i < targets.Length; i++)
        {
            try
            {
                sizes[i] = BlockDevice.SizeOf(targets[i]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw context.Fail($"disk {targets[i]} is not available: {e.Message}", e);
            }
        }

        context.Enter(wipe.Mode == WipeMode.Quick ? "wipe-quick" : "wipe-full");
        var total = wipe.Mode == WipeMode.Quick ? 0L : sizes.Sum();
        long done = 0;
        for (var i = 0; i < targets.Length; i++)
        {
            var disk = targets[i];
            try
            {
                using var handle = File.OpenHandle(disk, FileMode.Open, FileAccess.ReadWrite);
                if (wipe.Mode == WipeMode.Quick)
                {
                    foreach (var (offset, length) in QuickRanges(disk, sizes[i]))
                    {
                        await ZeroAsync(handle, offset, length, ct).ConfigureAwait(false);
                    }

                    context.Progress.Report(i + 1, targets.Length, disk);
                }
                else
                {
                    for (long offset = 0; offset < sizes[i]; offset += Slice)
                    {
                        var length = Math.Min(Slice, sizes[i] - offset);
                        if (!BlockDevice.TryZeroOut(handle, offset, length))
                        {
                            await ZeroAsync(handle, offset, length, ct).ConfigureAwait(false);
                        }

                        done += length;
                        context.Progress.Report(done, total, disk);
                    }
                }

                BlockDevice.Flush(handle);
                BlockDevice.TryRereadPartitions(handle);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw context.Fail($"wiping {disk} failed: {e.Message} (disk gone?)", e);
            }

            context.Events.Emit("wiped", ("disk", disk), ("mode", wipe.Mode.ToString().ToLowerInvariant()));
        }

        context.Enter("done");
        return TaskOutcome.Done;
    }

    /// <summary>Byte ranges a quick wipe zeroes: each partition's first MiB (from sysfs), the disk's first and last MiB.</summary>
    public IReadOnlyList<(long Offset, long Length)> QuickRanges(string disk, long size)
    {
        var ranges = new List<(long, long)> { (0, Math.Min(MiB, size)) };
        var name = Path.GetFileName(disk);
        foreach (var entry in fs.Entries($"/sys/block/{name}"))
        {
            // Partitions are subdirectories named after the disk (sda1, nvme0n1p1) with a start attribute in sectors.
            if (entry.StartsWith(name, StringComparison.Ordinal) && fs.Long($"/sys/block/{name}/{entry}/start") is { } start)
            {
                var offset = start * 512;
                if (offset < size)
                {
                    ranges.Add((offset, Math.Min(MiB, size - offset)));
                }
            }
        }

        if (size > MiB)
        {
            var tail = Math.Max(MiB, size - MiB);
            ranges.Add((tail, size - tail));
        }

        return ranges;
    }

    private static async Task ZeroAsync(SafeFileHandle handle, long offset, long length, CancellationToken ct)
    {
        var zeros = new byte[(int)Math.Min(length, 4 * MiB)];
        for (long done = 0; done < length; done += zeros.Length)
        {
            var n = (int)Math.Min(zeros.Length, length - done);
            await RandomAccess.WriteAsync(handle, zeros.AsMemory(0, n), offset + done, ct).ConfigureAwait(false);
        }
    }
}
