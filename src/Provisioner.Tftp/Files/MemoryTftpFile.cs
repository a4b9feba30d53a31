namespace Provisioner.Tftp.Files;

/// <summary>A file held in memory: cached boot files and rendered virtual files.</summary>
public sealed class MemoryTftpFile : ITftpFile
{
    private readonly ReadOnlyMemory<byte> _content;

    /// <summary>Wraps <paramref name="content"/>; the caller must not change it while transfers read it.</summary>
    public MemoryTftpFile(ReadOnlyMemory<byte> content)
    {
        _content = content;
    }

    /// <inheritdoc/>
    public long Length => _content.Length;

    /// <summary>The whole content.</summary>
    public ReadOnlyMemory<byte> Content => _content;

    /// <inheritdoc/>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= _content.Length)
        {
            return ValueTask.FromResult(0);
        }

        var n = (int)Math.Min(destination.Length, _content.Length - offset);
        _content.Span.Slice((int)offset, n).CopyTo(destination.Span);
        return ValueTask.FromResult(n);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        // Nothing to release: the memory belongs to the cache or to the garbage collector.
    }
}
