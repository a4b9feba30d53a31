using Microsoft.Win32.SafeHandles;

namespace Provisioner.Tftp.Files;

/// <summary>
/// A file on disk read with positional reads (pread). Reads are synchronous on purpose: boot files sit in
/// the page cache, where a pread costs a few microseconds, far less than a hop to the thread pool.
/// </summary>
public sealed class HandleTftpFile : ITftpFile
{
    private readonly SafeFileHandle _handle;

    /// <summary>Takes ownership of <paramref name="handle"/>.</summary>
    public HandleTftpFile(SafeFileHandle handle, long length)
    {
        _handle = handle;
        Length = length;
    }

    /// <inheritdoc/>
    public long Length { get; }

    /// <inheritdoc/>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length && offset + total < Length)
        {
            var n = RandomAccess.Read(_handle, destination.Span[total..], offset + total);
            if (n == 0)
            {
                break; // the file shrank under us: send what there is
            }

            total += n;
        }

        return ValueTask.FromResult(total);
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();
}
