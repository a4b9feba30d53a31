namespace Provisioner.Imaging.Targets;

/// <summary>Where the image goes: a block device or a file standing in for one. Offsets are raw image offsets.</summary>
public interface ITargetDevice : IAsyncDisposable
{
    /// <summary>Path, for messages.</summary>
    string Path { get; }

    /// <summary>Usable size in bytes; null for a growable regular file.</summary>
    long? Capacity { get; }

    /// <summary>True for a block device.</summary>
    bool IsBlockDevice { get; }

    /// <summary>Writes at an offset; a failure surfaces as <see cref="ImageException"/> of kind TargetFailed.</summary>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct);

    /// <summary>Reads at an offset (resume revalidation); returns bytes read.</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct);

    /// <summary>Makes a range read as zeros cheaply (hole, discard or zero-out, as the target and options allow).</summary>
    ValueTask ZeroRangeAsync(long offset, long length, CancellationToken ct);

    /// <summary>Prepares for an image of <paramref name="imageSize"/> bytes; <paramref name="fresh"/> = not resuming.</summary>
    ValueTask PrepareAsync(long imageSize, bool fresh, CancellationToken ct);

    /// <summary>Flushes data to stable storage (fdatasync).</summary>
    ValueTask FlushAsync(CancellationToken ct);
}
