namespace Provisioner.Imaging.Targets;

/// <summary>Calls into any <see cref="ITargetDevice"/> with plain I/O failures turned into TargetFailed errors that name
/// the target and offset (a third-party target may throw IOException directly).</summary>
internal static class TargetCalls
{
    public static async Task WriteAsync(ITargetDevice target, long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        try
        {
            await target.WriteAsync(offset, data, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new ImageException(ImageErrorKind.TargetFailed,
                $"write of {data.Length} bytes to {target.Path} at offset {offset} failed: {ex.Message}", ex, offset);
        }
    }

    public static async Task ZeroAsync(ITargetDevice target, long offset, long length, CancellationToken ct)
    {
        try
        {
            await target.ZeroRangeAsync(offset, length, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new ImageException(ImageErrorKind.TargetFailed,
                $"zeroing {length} bytes of {target.Path} at offset {offset} failed: {ex.Message}", ex, offset);
        }
    }
}
