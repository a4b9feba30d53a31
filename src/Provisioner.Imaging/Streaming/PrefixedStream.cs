namespace Provisioner.Imaging.Streaming;

/// <summary>Replays bytes already read (a sniffed prefix) before continuing with the inner stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (!_prefix.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
        return await inner.ReadAsync(buffer, ct).ConfigureAwait(false);
    }

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
        return inner.Read(buffer);
    }

    /// <summary>Reads up to <paramref name="count"/> bytes from <paramref name="source"/> and returns them plus a stream that
    /// still yields every byte.</summary>
    public static async Task<(byte[] Prefix, Stream Stream)> PeekAsync(Stream source, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            int n = await source.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            filled += n;
        }
        var prefix = buffer[..filled];
        return (prefix, new PrefixedStream(prefix, source));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();
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
