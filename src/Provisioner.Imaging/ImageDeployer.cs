using Provisioner.Imaging.Chunked;
using Provisioner.Imaging.Progress;
using Provisioner.Imaging.Streaming;
using Provisioner.Imaging.Targets;

namespace Provisioner.Imaging;

/// <summary>
/// Writes an OS image to a disk: streams raw/gzip/zstd/xz over HTTP (or file://) with on-the-fly SHA-256, or fetches a
/// chunked image by ranges in parallel with per-chunk verification, zero skipping and resume. Returns only after the
/// whole raw image's digest matched <see cref="ImageSpec.Sha256"/>; every failure is an <see cref="ImageException"/>.
/// </summary>
public sealed class ImageDeployer
{
    private readonly HttpClient _http;
    private readonly ImageDeployOptions _options;

    /// <summary>Creates a deployer; <paramref name="http"/> is borrowed (not disposed), a default client is used when null.</summary>
    public ImageDeployer(HttpClient? http = null, ImageDeployOptions? options = null)
    {
        _options = options ?? new ImageDeployOptions();
        _options.Validate();
        _http = http ?? SharedClient.Value;
    }

    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(new SocketsHttpHandler
    {
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        // Images are big: never time out a whole transfer, only stalls (ResponseDrainTimeout/keepalive handle the rest).
    })
    { Timeout = Timeout.InfiniteTimeSpan });

    /// <summary>Opens <paramref name="targetPath"/> (block device or file) and deploys to it.</summary>
    public async Task<ImageDeployResult> DeployAsync(ImageSpec spec, string targetPath, IProgress<ImageProgress>? progress,
        CancellationToken ct)
    {
        await using var target = DiskTarget.Open(targetPath, _options.ZeroMode, directIo: _options.DirectIo);
        return await DeployAsync(spec, target, progress, ct).ConfigureAwait(false);
    }

    /// <summary>Deploys <paramref name="spec"/> to <paramref name="target"/>.</summary>
    public async Task<ImageDeployResult> DeployAsync(ImageSpec spec, ITargetDevice target, IProgress<ImageProgress>? progress,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(target);
        if (!ChunkIndex.IsSha256(spec.Sha256))
        {
            throw new ImageException(ImageErrorKind.InvalidImage, $"image sha256 '{spec.Sha256}' is not 64 hex digits");
        }
        if (spec.Size is { } size && target.Capacity is { } cap && size > cap)
        {
            throw new ImageException(ImageErrorKind.TargetTooSmall, $"target {target.Path} holds {cap} bytes but the image needs {size}");
        }
        var format = spec.Format == ImageFormat.Auto && spec.IndexUrl is not null ? ImageFormat.Chunked : spec.Format;
        await using var meter = new ProgressMeter(progress, _options.TimeProvider, _options.ProgressInterval, spec.Size, 0);
        if (format == ImageFormat.Chunked)
        {
            return await new ChunkedDeployer(_http, _options).DeployAsync(spec, target, meter, ct).ConfigureAwait(false);
        }
        var url = spec.Url ?? throw new ImageException(ImageErrorKind.InvalidImage, "image spec has no url");
        Stream source;
        Func<int> retries = () => 0;
        if (url.IsFile)
        {
            source = OpenFile(url.LocalPath, meter);
        }
        else
        {
            var http = new ResumableHttpStream(_http, url, _options, meter.AddTransferred);
            try
            {
                await http.OpenAsync(ct).ConfigureAwait(false);
            }
            catch
            {
                await http.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            retries = () => http.Retries;
            if (spec.Size is null && format == ImageFormat.Raw && http.ResourceLength is { } len)
            {
                // A raw image's Content-Length is its size: lets the target be sized (and checked) up front.
                spec = spec with { Size = len };
                meter.Total = len;
                if (target.Capacity is { } capacity && len > capacity)
                {
                    throw new ImageException(ImageErrorKind.TargetTooSmall, $"target {target.Path} holds {capacity} bytes but the image needs {len}");
                }
            }
            source = http;
        }
        await using (source.ConfigureAwait(false))
        {
            if (format == ImageFormat.Auto)
            {
                (var prefix, source) = await PrefixedStream.PeekAsync(source, ImageFormatDetector.PrefixLength, ct).ConfigureAwait(false);
                format = ImageFormatDetector.Detect(prefix);
                if (format == ImageFormat.Chunked)
                {
                    throw new ImageException(ImageErrorKind.InvalidImage, $"{url} is a chunk index: give it as IndexUrl");
                }
            }
            return await new StreamingDeployer(_options)
                .DeployAsync(source, format, spec.Sha256, spec.Size, target, meter, retries, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Deploys from an already-open stream (local file, pipe) in the given format.</summary>
    public async Task<ImageDeployResult> DeployStreamAsync(Stream source, ImageFormat format, string sha256, long? size,
        ITargetDevice target, IProgress<ImageProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        await using var meter = new ProgressMeter(progress, _options.TimeProvider, _options.ProgressInterval, size, 0);
        if (format == ImageFormat.Auto)
        {
            (var prefix, source) = await PrefixedStream.PeekAsync(source, ImageFormatDetector.PrefixLength, ct).ConfigureAwait(false);
            format = ImageFormatDetector.Detect(prefix);
        }
        return await new StreamingDeployer(_options)
            .DeployAsync(source, format, sha256, size, target, meter, () => 0, ct).ConfigureAwait(false);
    }

    private static FileStream OpenFile(string path, ProgressMeter meter)
    {
        try
        {
            var fs = new CountingFileStream(path, meter);
            return fs;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageException(ImageErrorKind.Http, $"cannot open image {path}: {ex.Message}", ex);
        }
    }

    private sealed class CountingFileStream(string path, ProgressMeter meter)
        : FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan)
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            int n = await base.ReadAsync(buffer, ct).ConfigureAwait(false);
            meter.AddTransferred(n);
            return n;
        }

        public override int Read(Span<byte> buffer)
        {
            int n = base.Read(buffer);
            meter.AddTransferred(n);
            return n;
        }
    }
}
