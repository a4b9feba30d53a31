using System.Net.Http.Headers;

namespace Provisioner.Imaging.Streaming;

/// <summary>
/// The HTTP body of an image as one read-only stream that survives connection faults: when the body breaks, it waits
/// (back-off) and re-requests <c>Range: bytes=N-</c> pinned with If-Range to the first response's validator, so the
/// consumer (a decompressor, a hasher) never notices. Gives up after <see cref="ImageDeployOptions.MaxAttempts"/>.
/// </summary>
internal sealed class ResumableHttpStream : Stream
{
    private readonly HttpClient _client;
    private readonly Uri _uri;
    private readonly ImageDeployOptions _options;
    private readonly Action<long> _onBytes;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private RangeConditionHeaderValue? _validator;
    private long _position;
    private int _failures;

    public ResumableHttpStream(HttpClient client, Uri uri, ImageDeployOptions options, Action<long> onBytes)
    {
        _client = client;
        _uri = uri;
        _options = options;
        _onBytes = onBytes;
    }

    /// <summary>Content-Length of the full resource, when the server sent it.</summary>
    public long? ResourceLength { get; private set; }

    /// <summary>Reconnects that were needed.</summary>
    public int Retries { get; private set; }

    /// <summary>Bytes delivered so far.</summary>
    public long BytesRead => _position;

    /// <summary>Opens the first response (so HTTP errors surface before the pipeline starts).</summary>
    public async Task OpenAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await ConnectAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (TransientNetworkException ex)
            {
                await FailedAsync(ex, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task ConnectAsync(CancellationToken ct)
    {
        var response = await HttpRange.GetAsync(_client, _uri, _position, null, _validator, ct).ConfigureAwait(false);
        if (_position == 0)
        {
            _validator = HttpRange.ValidatorOf(response);
            ResourceLength = response.Content.Headers.ContentLength;
        }
        _response = response;
        _body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
    }

    private async Task FailedAsync(Exception ex, CancellationToken ct)
    {
        _failures++;
        DropConnection();
        if (_failures >= _options.MaxAttempts)
        {
            throw new ImageException(ImageErrorKind.Network,
                $"GET {_uri}: gave up after {_failures} attempts at byte {_position}: {ex.Message}", ex, _position);
        }
        Retries++;
        await Backoff.WaitAsync(_failures, _options, ct).ConfigureAwait(false);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        while (true)
        {
            try
            {
                if (_body is null)
                {
                    await ConnectAsync(ct).ConfigureAwait(false);
                }
                int n = await _body!.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (n == 0 && ResourceLength is { } len && _position < len)
                {
                    throw new TransientNetworkException($"body ended at byte {_position} of {len}");
                }
                _position += n;
                if (n > 0)
                {
                    _failures = 0; // progress resets the budget: only consecutive failures count
                    _onBytes(n);
                }
                return n;
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or TransientNetworkException
                                       || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                await FailedAsync(ex, ct).ConfigureAwait(false);
            }
        }
    }

    public override int Read(Span<byte> buffer) => throw new NotSupportedException("use ReadAsync");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("use ReadAsync");

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct)
        => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private void DropConnection()
    {
        _body?.Dispose();
        _body = null;
        _response?.Dispose();
        _response = null;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DropConnection();
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
