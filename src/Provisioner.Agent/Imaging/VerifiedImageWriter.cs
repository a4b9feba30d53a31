using System.Net;
using System.Net.Http.Headers;
using Provisioner.Agent.Disks;
using Provisioner.Agent.Protocol;
using Provisioner.Imaging;
using Provisioner.Imaging.Targets;
using ImageFormat = Provisioner.Imaging.ImageFormat;
using WireFormat = Provisioner.Agent.Protocol.ImageFormat;

namespace Provisioner.Agent.Imaging;

/// <summary>
/// Writes images through the imaging library's <see cref="ImageDeployer"/>: raw, gzip, zstd and xz streamed with
/// reconnects by Range, chunked images fetched chunk by chunk with a resume journal, sha256 of the raw bytes checked
/// before success. The per-boot token goes only to the appliance's own origin. Library failures become
/// <see cref="ImageWriteException"/>s whose message says what to do (token expired, image missing, digests).
/// </summary>
public sealed class VerifiedImageWriter : IImageWriter
{
    private readonly HttpMessageHandler _transport;
    private readonly Uri _applianceUrl;
    private readonly string _token;
    private readonly string _journalDirectory;
    private readonly ImageDeployOptions _options;

    /// <summary>Creates the writer.</summary>
    /// <param name="transport">The HTTP handler image requests go through (borrowed, not disposed).</param>
    /// <param name="applianceUrl">The appliance base URL: relative image URLs resolve against it and only its origin gets the token.</param>
    /// <param name="token">The per-boot bearer token.</param>
    /// <param name="journalDirectory">Where chunked deploys keep their resume journal (<c>/run/provisioner-agent</c> on the live image).</param>
    /// <param name="options">Deployer tuning; the journal path is set per target.</param>
    public VerifiedImageWriter(HttpMessageHandler transport, Uri applianceUrl, string token, string journalDirectory, ImageDeployOptions? options = null)
    {
        _transport = transport;
        _applianceUrl = applianceUrl;
        _token = token;
        _journalDirectory = journalDirectory;
        _options = options ?? new ImageDeployOptions();
    }

    /// <inheritdoc />
    public async Task<ImageWriteResult> WriteAsync(ImageSource image, string targetPath, IProgress<ImageWriteProgress> progress, CancellationToken ct)
    {
        var spec = Spec(image);
        long capacity;
        try
        {
            capacity = BlockDevice.SizeOf(targetPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageWriteException($"cannot open target {targetPath}: {e.Message}", e);
        }

        if (capacity < image.SizeBytes)
        {
            throw new ImageWriteException($"target {targetPath} holds {capacity} bytes, smaller than the image ({image.SizeBytes} bytes)");
        }

        var options = Options(targetPath);
        // Not disposed: disposing the handler chain would dispose the borrowed transport.
        var auth = new ApplianceTokenHandler(_applianceUrl, _token) { InnerHandler = _transport };
        using var http = new HttpClient(auth, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var deployer = new ImageDeployer(http, options);
        var sink = new ProgressSink(progress, image.SizeBytes);
        try
        {
            await using var target = OpenTarget(targetPath, capacity, options);
            var result = await deployer.DeployAsync(spec, target, sink, ct).ConfigureAwait(false);
            return new ImageWriteResult(result.BytesWritten, result.Sha256);
        }
        catch (ImageException e)
        {
            throw Explain(e, auth.Refused);
        }
    }

    /// <summary>Path of the resume journal for deploys to <paramref name="targetPath"/> (one per disk; the journal names its image).</summary>
    public string JournalPathFor(string targetPath) =>
        Path.Combine(_journalDirectory, "deploy-" + string.Concat(targetPath.Trim('/').Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')) + ".journal");

    private ImageDeployOptions Options(string targetPath)
    {
        Directory.CreateDirectory(_journalDirectory);
        return new ImageDeployOptions
        {
            BlockSize = _options.BlockSize,
            PipelineDepth = _options.PipelineDepth,
            ParallelChunks = _options.ParallelChunks,
            MaxAttempts = _options.MaxAttempts,
            RetryDelay = _options.RetryDelay,
            MaxRetryDelay = _options.MaxRetryDelay,
            ProgressInterval = _options.ProgressInterval,
            ZeroMode = _options.ZeroMode,
            DirectIo = _options.DirectIo,
            TimeProvider = _options.TimeProvider,
            JournalPath = JournalPathFor(targetPath),
        };
    }

    private static ITargetDevice OpenTarget(string path, long capacity, ImageDeployOptions options)
    {
        var disk = DiskTarget.Open(path, options.ZeroMode, maxFileSize: capacity, directIo: options.DirectIo);
        // A file standing in for a disk keeps its size (the seed partition goes at its end).
        return disk.IsBlockDevice ? disk : new StandInDisk(disk, capacity);
    }

    private ImageSpec Spec(ImageSource image)
    {
        var format = image.Format switch
        {
            WireFormat.Raw => ImageFormat.Raw,
            WireFormat.Gzip => ImageFormat.Gzip,
            WireFormat.Zstd => ImageFormat.Zstd,
            WireFormat.Xz => ImageFormat.Xz,
            WireFormat.Chunked => ImageFormat.Chunked,
            _ => throw new ImageWriteException($"image format {image.Format} is not supported by this agent"),
        };
        if (format != ImageFormat.Chunked)
        {
            return new ImageSpec(Resolve(image.Url, "image"), format, image.Sha256, image.SizeBytes);
        }

        // The data file is named by the index and fetched next to it; Url is the index too when IndexUrl is missing.
        var index = Resolve(image.IndexUrl ?? image.Url, "chunk index");
        return new ImageSpec(null, ImageFormat.Chunked, image.Sha256, image.SizeBytes, index);
    }

    private Uri Resolve(string url, string what)
    {
        if (!Uri.TryCreate(_applianceUrl, url, out var resolved) || (resolved.Scheme != Uri.UriSchemeHttp && resolved.Scheme != Uri.UriSchemeHttps))
        {
            throw new ImageWriteException($"{what} URL '{url}' is not an http(s) URL");
        }

        return resolved;
    }

    private static ImageWriteException Explain(ImageException e, (Uri Url, HttpStatusCode Status)? refused) => refused switch
    {
        ({ } url, HttpStatusCode.Unauthorized) =>
            new ImageWriteException($"the appliance rejected the boot token (401) for {url}; the token is invalid or expired: boot the node again", e),
        ({ } url, HttpStatusCode.NotFound) =>
            new ImageWriteException($"the image is not on the server (HTTP 404) at {url}: check the image's location ('provisioner image show')", e),
        ({ } url, HttpStatusCode.Forbidden) =>
            new ImageWriteException($"the server refused the image (HTTP 403) at {url}", e),
        // The library's messages already name the chunk, offset, URL and the expected and actual digests.
        _ => new ImageWriteException(e.Message, e),
    };

    /// <summary>Adds the bearer token to requests for the appliance's own origin and remembers a refusal (401/403/404).</summary>
    private sealed class ApplianceTokenHandler(Uri appliance, string token) : DelegatingHandler
    {
        public (Uri Url, HttpStatusCode Status)? Refused { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri is { } uri
                && Uri.Compare(uri, appliance, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound && request.RequestUri is { } refused)
            {
                Refused = (refused, response.StatusCode);
            }

            return response;
        }
    }

    /// <summary>The library's samples as the agent's byte counts.</summary>
    private sealed class ProgressSink(IProgress<ImageWriteProgress> progress, long size) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => progress.Report(new ImageWriteProgress(value.BytesDone, value.TotalBytes ?? size));
    }

    /// <summary>
    /// A regular file used as a disk: the deployer sizes its target to the image, which would shrink the stand-in disk,
    /// so preparation keeps the file at its full capacity (the bytes past the image read as zeros, as on a fresh disk).
    /// </summary>
    private sealed class StandInDisk(DiskTarget inner, long capacity) : ITargetDevice
    {
        public string Path => inner.Path;

        public long? Capacity => capacity;

        public bool IsBlockDevice => false;

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct) => inner.WriteAsync(offset, data, ct);

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => inner.ReadAsync(offset, buffer, ct);

        public ValueTask ZeroRangeAsync(long offset, long length, CancellationToken ct) => inner.ZeroRangeAsync(offset, length, ct);

        public ValueTask PrepareAsync(long imageSize, bool fresh, CancellationToken ct) =>
            inner.PrepareAsync(imageSize > capacity ? imageSize : capacity, fresh, ct);

        public ValueTask FlushAsync(CancellationToken ct) => inner.FlushAsync(ct);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
