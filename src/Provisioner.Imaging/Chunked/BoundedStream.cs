using Provisioner.Imaging.Streaming;

namespace Provisioner.Imaging.Chunked;

/// <summary>Exactly <c>length</c> bytes of an inner stream: stops there, and reports an early end as a transient fault
/// (a range cut short by the network), so the chunk is fetched again.</summary>
internal sealed class BoundedStream(Stream inner, long length, Action<long> onBytes) : Stream
{
    private readonly long _length = length;
    private long _remaining = length;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (_remaining == 0)
        {
            return 0;
        }
        int want = (int)Math.Min(buffer.Length, _remaining);
        int n;
        try
        {
            n = await inner.ReadAsync(buffer[..want], ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new TransientNetworkException($"range body broke with {_remaining} of {_length} bytes left: {ex.Message}", ex);
        }
        if (n == 0)
        {
            throw new TransientNetworkException($"range body ended with {_remaining} of {_length} bytes left");
        }
        _remaining -= n;
        onBytes(n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
