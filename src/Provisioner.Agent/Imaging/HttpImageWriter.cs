using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Provisioner.Agent.Disks;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Imaging;

/// <summary>
/// The agent's own image writer: HTTP GET, then gzip (in process) or zstd/xz (Debian's <c>zstd</c>/busybox <c>xz</c>
/// through a pipe), sha256 over the decompressed bytes, positional writes to the target. Chunked images need the
/// imaging pipeline and are refused with a clear message.
/// </summary>
public sealed class HttpImageWriter(HttpClient http, Uri applianceUrl, string token) : IImageWriter
{
    private const int BufferSize = 4 << 20;

    /// <inheritdoc />
    public async Task<ImageWriteResult> WriteAsync(ImageSource image, string targetPath, IProgress<ImageWriteProgress> progress, CancellationToken ct)
    {
        if (image.Format == ImageFormat.Chunked)
        {
            throw new ImageWriteException("chunked images need the imaging pipeline, which this agent build does not include");
        }

        if (!Uri.TryCreate(applianceUrl, image.Url, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new ImageWriteException($"image URL '{image.Url}' is not an http(s) URL");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        // The per-boot token also authorizes image downloads from the appliance itself, never from elsewhere.
        if (Uri.Compare(url, applianceUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ImageWriteException($"cannot fetch {url}: {e.Message}", e);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new ImageWriteException($"the appliance rejected the boot token (401) for {url}; the token is invalid or expired");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new ImageWriteException($"cannot fetch {url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using var decoded = Decoder.Open(image.Format, body);
            return await CopyToTargetAsync(decoded.Stream, image, targetPath, progress, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Copies a decoded image stream to the target with size and sha256 checks (shared with tests).</summary>
    public static async Task<ImageWriteResult> CopyToTargetAsync(Stream source, ImageSource image, string targetPath, IProgress<ImageWriteProgress> progress, CancellationToken ct)
    {
        SafeFileHandle target;
        try
        {
            target = File.OpenHandle(targetPath, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageWriteException($"cannot open target {targetPath}: {e.Message}", e);
        }

        using (target)
        {
            var capacity = BlockDevice.SizeOf(target);
            if (capacity < image.SizeBytes)
            {
                throw new ImageWriteException($"target {targetPath} holds {capacity} bytes, smaller than the image ({image.SizeBytes} bytes)");
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = GC.AllocateUninitializedArray<byte>(BufferSize);
            long written = 0;
            progress.Report(new ImageWriteProgress(0, image.SizeBytes));
            while (true)
            {
                int filled;
                try
                {
                    filled = await FillAsync(source, buffer, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException or InvalidDataException)
                {
                    throw new ImageWriteException($"reading the image failed after {written} of {image.SizeBytes} bytes: {e.Message}", e);
                }

                if (filled == 0)
                {
                    break;
                }

                if (written + filled > image.SizeBytes)
                {
                    throw new ImageWriteException($"the image is larger than announced ({image.SizeBytes} bytes); refusing to write past it");
                }

                hash.AppendData(buffer, 0, filled);
                try
                {
                    await RandomAccess.WriteAsync(target, buffer.AsMemory(0, filled), written, ct).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new ImageWriteException($"writing {targetPath} failed at offset {written}: {e.Message} (disk gone?)", e);
                }

                written += filled;
                progress.Report(new ImageWriteProgress(written, image.SizeBytes));
            }

            if (written != image.SizeBytes)
            {
                throw new ImageWriteException($"the image stream ended after {written} of {image.SizeBytes} bytes (truncated)");
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, image.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageWriteException($"sha256 mismatch: expected {image.Sha256.ToLowerInvariant()}, got {actual}");
            }

            try
            {
                BlockDevice.Flush(target);
            }
            catch (IOException e)
            {
                throw new ImageWriteException($"flushing {targetPath} failed: {e.Message}", e);
            }

            return new ImageWriteResult(written, actual);
        }
    }

    // Full buffers keep the positional writes large and aligned (short pipe reads would otherwise produce small writes).
    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await source.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }

    /// <summary>Wraps the HTTP body in the decompressor the format needs.</summary>
    private sealed class Decoder : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process? _process;
        private readonly Task? _feeder;

        private Decoder(Stream stream, System.Diagnostics.Process? process = null, Task? feeder = null)
        {
            Stream = stream;
            _process = process;
            _feeder = feeder;
        }

        public Stream Stream { get; }

        public static Decoder Open(ImageFormat format, Stream body) => format switch
        {
            ImageFormat.Raw => new Decoder(body),
            ImageFormat.Gzip => new Decoder(new GZipStream(body, CompressionMode.Decompress)),
            ImageFormat.Zstd => Pipe("zstd", ["-d", "-c", "-q"], body),
            ImageFormat.Xz => Pipe("xz", ["-d", "-c"], body),
            _ => throw new ImageWriteException($"image format {format} is not supported by this writer"),
        };

        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
            if (_process is not null)
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                }

                await _process.WaitForExitAsync().ConfigureAwait(false);
                _process.Dispose();
            }

            if (_feeder is not null)
            {
                try
                {
                    await _feeder.ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException or OperationCanceledException)
                {
                    // The decompressor's exit already decided the outcome.
                }
            }
        }

        private static Decoder Pipe(string program, string[] args, Stream body)
        {
            var psi = new System.Diagnostics.ProcessStartInfo(program)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = false,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            System.Diagnostics.Process process;
            try
            {
                process = System.Diagnostics.Process.Start(psi) ?? throw new ImageWriteException($"cannot start {program}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new ImageWriteException($"cannot start the {program} decompressor: {e.Message}", e);
            }

            var feeder = Task.Run(async () =>
            {
                try
                {
                    await body.CopyToAsync(process.StandardInput.BaseStream).ConfigureAwait(false);
                }
                finally
                {
                    process.StandardInput.Close();
                }
            });
            return new Decoder(new DecompressorOutput(process, feeder), process, feeder);
        }
    }

    /// <summary>stdout of a decompressor; at its end, a failed exit (corrupt or truncated input) becomes an IOException.</summary>
    private sealed class DecompressorOutput(System.Diagnostics.Process process, Task feeder) : Stream
    {
        private readonly Stream _inner = process.StandardOutput.BaseStream;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                if (feeder.IsFaulted)
                {
                    throw new IOException($"download failed: {feeder.Exception?.GetBaseException().Message}");
                }

                if (process.ExitCode != 0)
                {
                    throw new IOException($"{Path.GetFileName(process.StartInfo.FileName)} exited with {process.ExitCode} (corrupt or truncated input)");
                }
            }

            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
