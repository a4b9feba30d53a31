using Microsoft.Win32.SafeHandles;
using Provisioner.Imaging.Native;

namespace Provisioner.Imaging.Targets;

/// <summary>
/// A block device or a regular file opened for positional I/O (pwrite/pread through <see cref="RandomAccess"/>).
/// Files get sparse holes for zero ranges; block devices follow <see cref="ZeroMode"/>.
/// </summary>
public sealed class DiskTarget : ITargetDevice
{
    private readonly SafeFileHandle _handle;
    private readonly ZeroMode _zeroMode;
    private readonly bool _direct;
    private SafeFileHandle? _buffered; // O_DIRECT targets: for writes that are not 4 KiB-aligned (the image's tail)
    private readonly WriterThread _writer;

    private DiskTarget(string path, SafeFileHandle handle, bool isBlock, long? capacity, ZeroMode zeroMode, bool direct)
    {
        Path = path;
        _handle = handle;
        IsBlockDevice = isBlock;
        Capacity = capacity;
        _zeroMode = zeroMode;
        _direct = direct;
        _writer = new WriterThread("image-writer");
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public long? Capacity { get; }

    /// <inheritdoc />
    public bool IsBlockDevice { get; }

    /// <summary>Opens (or, for a file, creates) the target.</summary>
    /// <param name="path">/dev/sdX, /dev/nvme0n1, or a file path.</param>
    /// <param name="zeroMode">Block devices: how zero ranges are handled.</param>
    /// <param name="maxFileSize">Files: capacity to enforce (a stand-in disk's size); null = unbounded.</param>
    /// <param name="directIo">Block devices: open with O_DIRECT (writes bypass the page cache; buffers are aligned).</param>
    public static DiskTarget Open(string path, ZeroMode zeroMode = ZeroMode.ZeroOut, long? maxFileSize = null, bool directIo = false)
    {
        var facts = LinuxIo.Stat(path);
        try
        {
            if (facts is { IsBlockDevice: true })
            {
                var handle = directIo ? LinuxIo.OpenDirect(path) : File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                return new DiskTarget(path, handle, true, LinuxIo.BlockDeviceSize(handle), zeroMode, directIo);
            }
            if (facts is { IsRegularFile: false })
            {
                throw new ImageException(ImageErrorKind.TargetFailed, $"target {path} is neither a block device nor a regular file");
            }
            var file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
            return new DiskTarget(path, file, false, maxFileSize, zeroMode, direct: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageException(ImageErrorKind.TargetFailed, $"cannot open target {path}: {ex.Message}", ex);
        }
    }

    /// <inheritdoc />
    public ValueTask PrepareAsync(long imageSize, bool fresh, CancellationToken ct)
    {
        if (Capacity is { } cap && imageSize > cap)
        {
            throw new ImageException(ImageErrorKind.TargetTooSmall,
                $"target {Path} holds {cap} bytes but the image needs {imageSize}");
        }
        if (!IsBlockDevice)
        {
            Guard(() =>
            {
                if (fresh)
                {
                    // Drop old contents so every range we skip is a hole that reads as zeros.
                    RandomAccess.SetLength(_handle, 0);
                }
                RandomAccess.SetLength(_handle, imageSize);
            }, 0);
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        try
        {
            ct.ThrowIfCancellationRequested();
            await _writer.WriteAsync(HandleFor(offset, data), data, offset).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new ImageException(ImageErrorKind.TargetFailed, $"write to {Path} at offset {offset} failed: {ex.Message}", ex, offset);
        }
    }

    private unsafe SafeFileHandle HandleFor(long offset, ReadOnlyMemory<byte> data)
    {
        if (!_direct)
        {
            return _handle;
        }
        using var pin = data.Pin();
        const int a = AlignedBuffer.Alignment;
        if (offset % a == 0 && data.Length % a == 0 && (nint)pin.Pointer % a == 0)
        {
            return _handle;
        }
        // O_DIRECT needs offset, length and address aligned: route the odd write through the page cache instead.
        return _buffered ??= File.OpenHandle(Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
    }

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = await RandomAccess.ReadAsync(_handle, buffer[total..], offset + total, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                total += n;
            }
            return total;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new ImageException(ImageErrorKind.TargetFailed, $"read from {Path} at offset {offset} failed: {ex.Message}", ex, offset);
        }
    }

    /// <inheritdoc />
    public async ValueTask ZeroRangeAsync(long offset, long length, CancellationToken ct)
    {
        if (length <= 0)
        {
            return;
        }
        if (!IsBlockDevice)
        {
            // A fresh file already has a hole here; punching is idempotent and covers resumed runs.
            if (!LinuxIo.TryPunchHole(_handle, offset, length))
            {
                await WriteZerosAsync(offset, length, ct).ConfigureAwait(false);
            }
            return;
        }
        switch (_zeroMode)
        {
            case ZeroMode.Skip:
                break;
            case ZeroMode.ZeroOut:
                Guard(() => LinuxIo.BlockRange(_handle, LinuxIo.BlkZeroOut, offset, length), offset);
                break;
            case ZeroMode.Discard:
                Guard(() => LinuxIo.BlockRange(_handle, LinuxIo.BlkDiscard, offset, length), offset);
                break;
            case ZeroMode.Write:
                await WriteZerosAsync(offset, length, ct).ConfigureAwait(false);
                break;
        }
    }

    private async ValueTask WriteZerosAsync(long offset, long length, CancellationToken ct)
    {
        using var zeros = new AlignedBuffer((int)Math.Min(length, 4 << 20));
        zeros.Span.Clear();
        for (long done = 0; done < length;)
        {
            int n = (int)Math.Min(zeros.Length, length - done);
            await WriteAsync(offset + done, zeros.Memory[..n], ct).ConfigureAwait(false);
            done += n;
        }
    }

    /// <inheritdoc />
    public ValueTask FlushAsync(CancellationToken ct)
    {
        Guard(() =>
        {
            if (_buffered is not null)
            {
                RandomAccess.FlushToDisk(_buffered);
            }
            RandomAccess.FlushToDisk(_handle);
        }, null);
        return ValueTask.CompletedTask;
    }

    private void Guard(Action action, long? offset)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new ImageException(ImageErrorKind.TargetFailed, $"target {Path}: {ex.Message}", ex, offset);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _writer.Dispose();
        _buffered?.Dispose();
        _handle.Dispose();
        return ValueTask.CompletedTask;
    }
}
