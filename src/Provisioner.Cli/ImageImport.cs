using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>
/// <c>provisioner image import</c>: converts a registered image into the chunked format on the appliance, or uploads a
/// file and converts it in one request, drawing the upload and then the conversion (Server-Sent Events) as progress bars.
/// </summary>
public sealed class ImageImport(ApiClient api, CliContext context)
{
    private readonly ProgressLine _line = new(context);

    /// <summary>Imports the image <paramref name="name"/> the appliance already has; returns the import result.</summary>
    public Task<JsonElement> ImportRegisteredAsync(string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, $"api/v1/images/{Uri.EscapeDataString(name)}/import", null, ct);

    /// <summary>Uploads <paramref name="file"/> as image <paramref name="name"/> and converts it; format from its magic bytes unless given.</summary>
    public async Task<JsonElement> UploadAndImportAsync(string name, FileInfo file, string? format, string? rawSha256, string? description, CancellationToken ct)
    {
        if (!file.Exists)
        {
            throw new CliException(ExitCodes.Usage, $"No file {file.FullName}.");
        }

        format ??= Sniff(file);
        string digest;
        await using (var read = new ProgressStream(file.OpenRead(), file.Length, (done, total) => Draw("hashing", done, total)))
        {
            digest = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, ct));
        }

        var query = $"sha256={digest}&format={Uri.EscapeDataString(format)}&import=chunked"
                    + (rawSha256 is null ? "" : "&rawSha256=" + Uri.EscapeDataString(rawSha256))
                    + (description is null ? "" : "&description=" + Uri.EscapeDataString(description));
        await using var body = new ProgressStream(file.OpenRead(), file.Length, (done, total) => Draw("uploading", done, total));
        var content = new StreamContent(body, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = file.Length;
        return await SendAsync(HttpMethod.Put, $"api/v1/images/{Uri.EscapeDataString(name)}/content?{query}", content, ct);
    }

    /// <summary>What the appliance answers, from the raw/gzip/zstd/xz magic bytes (RFC 1952, RFC 8878, xz §2.1.1.1).</summary>
    public static string Sniff(FileInfo file)
    {
        Span<byte> head = stackalloc byte[6];
        using (var f = file.OpenRead())
        {
            head = head[..f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }

        return head switch
        {
            [0x1F, 0x8B, ..] => "raw-gzip",
            [0x28, 0xB5, 0x2F, 0xFD, ..] => "raw-zstd",
            [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] => "raw-xz",
            _ => "raw",
        };
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        HttpResponseMessage response;
        try
        {
            response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex)
        {
            _line.End();
            throw new CliException(ExitCodes.Failed, $"Cannot reach the appliance at {api.BaseAddress}: {ex.Message}.");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                _line.End();
                throw ApiClient.ToException(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            string? name = null;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                    continue;
                }

                if (!line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    continue;
                }

                var data = JsonDocument.Parse(line[6..]).RootElement.Clone();
                switch (name)
                {
                    case "progress":
                        var chunks = data.GetProperty("chunksDone").GetInt32();
                        var percent = data.TryGetProperty("percent", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : 0;
                        _line.Draw(percent, string.Create(CultureInfo.InvariantCulture,
                            $"importing · {chunks} chunks · {Mib(data.GetProperty("bytesDone").GetInt64())} read, {Mib(data.GetProperty("storedBytes").GetInt64())} stored"));
                        break;
                    case "done":
                        _line.End();
                        return data;
                    case "error":
                        _line.End();
                        var status = data.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Number ? (HttpStatusCode)s.GetInt32() : HttpStatusCode.InternalServerError;
                        throw ApiClient.ToException(status, data.GetRawText());
                }
            }
        }

        _line.End();
        throw new CliException(ExitCodes.Failed, "The appliance closed the import stream without a result; check 'provisioner image show' and its log.");
    }

    private long _lastDraw;

    // A terminal gets a redraw every 200 ms; a log one line per 10 %.
    private void Draw(string what, long done, long total)
    {
        var percent = total > 0 ? 100.0 * done / total : 100;
        var now = Environment.TickCount64;
        var step = context.Interactive ? now - _lastDraw >= 200 : (long)(percent / 10) != (long)(100.0 * (done - 1) / Math.Max(1, total) / 10);
        if (step || done == total)
        {
            _lastDraw = now;
            _line.Draw(percent, $"{what} · {Mib(done)} of {Mib(total)}");
        }
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB");

    /// <summary>Counts what is read through it.</summary>
    private sealed class ProgressStream(Stream inner, long total, Action<long, long> report) : Stream
    {
        private long _done;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            Advance(n);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Advance(n);
            return n;
        }

        private void Advance(int n)
        {
            if (n > 0)
            {
                _done += n;
                report(_done, total);
            }
        }

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

        public override long Length => total;

        public override long Position { get => _done; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
