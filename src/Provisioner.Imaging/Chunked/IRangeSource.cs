using System.Net.Http.Headers;
using Provisioner.Imaging.Streaming;

namespace Provisioner.Imaging.Chunked;

/// <summary>Byte ranges of the chunk data file.</summary>
internal interface IRangeSource
{
    /// <summary>Opens [offset, offset+length); transient failures throw <see cref="TransientNetworkException"/>.</summary>
    Task<Stream> OpenAsync(long offset, long length, CancellationToken ct);
}

internal sealed class HttpRangeSource(HttpClient client, Uri uri) : IRangeSource
{
    private RangeConditionHeaderValue? _validator;

    public async Task<Stream> OpenAsync(long offset, long length, CancellationToken ct)
    {
        var response = await HttpRange.GetAsync(client, uri, offset, offset + length - 1, _validator, ct).ConfigureAwait(false);
        _validator ??= HttpRange.ValidatorOf(response);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            return new OwningStream(body, response);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            response.Dispose();
            throw new TransientNetworkException($"GET {uri} bytes={offset}-{offset + length - 1}: {ex.Message}", ex);
        }
    }

    /// <summary>Disposes the response along with its body.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.ReadAsync(buffer, offset, count, ct);
        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
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
}

internal sealed class FileRangeSource(string path) : IRangeSource
{
    public Task<Stream> OpenAsync(long offset, long length, CancellationToken ct)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        if (offset + length > fs.Length)
        {
            fs.Dispose();
            throw new ImageException(ImageErrorKind.Truncated, $"{path} is {fs.Length} bytes, range ends at {offset + length}", offset: offset);
        }
        fs.Position = offset;
        return Task.FromResult<Stream>(fs);
    }
}
