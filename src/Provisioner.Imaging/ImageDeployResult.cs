namespace Provisioner.Imaging;

/// <summary>Returned only when the image is completely written and its digest verified.</summary>
/// <param name="Sha256">Hex SHA-256 computed over the raw bytes (equals the expected digest).</param>
/// <param name="BytesWritten">Raw image size.</param>
/// <param name="BytesTransferred">Bytes received over the network (compressed size plus any retried ranges).</param>
/// <param name="ZeroBytesSkipped">Raw bytes of all-zero chunks that were not transferred.</param>
/// <param name="Duration">Wall time of the deploy.</param>
/// <param name="Retries">Network retries that were needed (0 on a clean run).</param>
/// <param name="ChunksReused">Chunks found already written and verified by an earlier, interrupted run.</param>
public sealed record ImageDeployResult(
    string Sha256,
    long BytesWritten,
    long BytesTransferred,
    long ZeroBytesSkipped,
    TimeSpan Duration,
    int Retries,
    int ChunksReused);
