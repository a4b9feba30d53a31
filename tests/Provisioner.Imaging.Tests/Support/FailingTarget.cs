using Provisioner.Imaging.Targets;

namespace Provisioner.Imaging.Tests.Support;

/// <summary>A target that vanishes (ENXIO) after a number of writes, like a disk pulled mid-deploy.</summary>
internal sealed class FailingTarget(ITargetDevice inner, int writesBeforeFailure) : ITargetDevice
{
    private int _writes;

    public string Path => inner.Path;
    public long? Capacity => inner.Capacity;
    public bool IsBlockDevice => inner.IsBlockDevice;

    public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct)
        => Interlocked.Increment(ref _writes) > writesBeforeFailure
            ? throw new IOException("No such device or address")
            : inner.WriteAsync(offset, data, ct);

    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => inner.ReadAsync(offset, buffer, ct);
    public ValueTask ZeroRangeAsync(long offset, long length, CancellationToken ct) => inner.ZeroRangeAsync(offset, length, ct);
    public ValueTask PrepareAsync(long imageSize, bool fresh, CancellationToken ct) => inner.PrepareAsync(imageSize, fresh, ct);
    public ValueTask FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
