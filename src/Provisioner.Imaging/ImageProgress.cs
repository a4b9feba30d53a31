namespace Provisioner.Imaging;

/// <summary>Phases of a deploy or import, in order.</summary>
public enum ImagePhase
{
    /// <summary>Opening the target and the source.</summary>
    Starting,
    /// <summary>Moving bytes.</summary>
    Transferring,
    /// <summary>Re-reading chunks a previous run already wrote (resume).</summary>
    Revalidating,
    /// <summary>Flushing the target and comparing digests.</summary>
    Verifying,
    /// <summary>Finished and verified.</summary>
    Completed,
}

/// <summary>A progress sample, reported every <see cref="ImageDeployOptions.ProgressInterval"/> and at the end.</summary>
/// <param name="Phase">Where the operation is.</param>
/// <param name="BytesDone">Raw (uncompressed) bytes written or skipped as zero so far.</param>
/// <param name="TotalBytes">Raw image size when known.</param>
/// <param name="BytesPerSecond">Raw bytes per second over the last interval.</param>
/// <param name="Eta">Estimated time left when the total is known and the rate is positive.</param>
/// <param name="ChunksDone">Chunked images: chunks verified and written (or zero).</param>
/// <param name="ChunksTotal">Chunked images: chunk count, else 0.</param>
/// <param name="TransferredBytes">Bytes received from the network (compressed), or for imports, compressed bytes written.</param>
public readonly record struct ImageProgress(
    ImagePhase Phase,
    long BytesDone,
    long? TotalBytes,
    double BytesPerSecond,
    TimeSpan? Eta,
    int ChunksDone,
    int ChunksTotal,
    long TransferredBytes)
{
    /// <summary>0..100 when the total is known.</summary>
    public double? Percent => TotalBytes is > 0 ? 100.0 * BytesDone / TotalBytes.Value : null;
}
