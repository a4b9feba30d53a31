using Provisioner.Imaging.Targets;

namespace Provisioner.Imaging;

/// <summary>Tuning for <see cref="ImageDeployer"/>. Defaults suit a 1-10 GbE link and an NVMe or SATA disk.</summary>
public sealed class ImageDeployOptions
{
    /// <summary>Write block for streamed images (aligned, 4 MiB by default).</summary>
    public int BlockSize { get; set; } = 4 << 20;

    /// <summary>Blocks buffered between the decompressor and the writer (memory = BlockSize × this × 2).</summary>
    public int PipelineDepth { get; set; } = 4;

    /// <summary>Chunked images: chunks fetched at once (memory ≈ chunk size × (this + 1)).</summary>
    public int ParallelChunks { get; set; } = 3;

    /// <summary>Network attempts per range/stream before giving up.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First retry delay; doubles per attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the retry back-off.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often progress is reported.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Block devices: what to do with zero chunks.</summary>
    public ZeroMode ZeroMode { get; set; } = ZeroMode.ZeroOut;

    /// <summary>Block devices: open with O_DIRECT.</summary>
    public bool DirectIo { get; set; }

    /// <summary>Chunked images: a file recording verified chunks so a restarted deployer resumes (null = no journal).</summary>
    public string? JournalPath { get; set; }

    /// <summary>Clock for progress timers and retry delays.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal void Validate()
    {
        if (BlockSize < 4096 || BlockSize % 4096 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, "must be a positive multiple of 4096");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(PipelineDepth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ParallelChunks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1);
    }
}
