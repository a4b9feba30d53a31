using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Imaging;

/// <summary>Bytes written so far of an image being streamed to disk.</summary>
/// <param name="BytesWritten">Decompressed bytes written to the target.</param>
/// <param name="BytesTotal">Decompressed size of the image.</param>
public readonly record struct ImageWriteProgress(long BytesWritten, long BytesTotal);

/// <summary>A verified image write.</summary>
/// <param name="BytesWritten">Bytes written (equals the image size).</param>
/// <param name="Sha256">Hex sha256 of what was written (equals the expected one).</param>
public sealed record ImageWriteResult(long BytesWritten, string Sha256);

/// <summary>The image could not be written or did not verify; the message says why.</summary>
public sealed class ImageWriteException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Streams an image to a disk (or a file standing in for one), decompressing and hashing on the fly. Throws
/// <see cref="ImageWriteException"/> for a truncated or oversized stream, a checksum mismatch, an unsupported format
/// or an I/O error on the target. The deploy task only sees this interface; <see cref="VerifiedImageWriter"/> is the
/// live image's implementation.
/// </summary>
public interface IImageWriter
{
    /// <summary>Writes <paramref name="image"/> to <paramref name="targetPath"/> from offset 0 and flushes it to stable storage.</summary>
    Task<ImageWriteResult> WriteAsync(ImageSource image, string targetPath, IProgress<ImageWriteProgress> progress, CancellationToken ct);
}
