using System.IO.Compression;
using Provisioner.Imaging.Native;
using Provisioner.Imaging.Targets;
using Provisioner.Imaging.Tests.Support;
using Provisioner.TestKit.Imaging;

namespace Provisioner.Imaging.Tests.Streaming;

[Trait("Area", "Imaging")]
public sealed class StreamingDeployTests : IDisposable
{
    private readonly TestImage _image = new();

    public void Dispose() => _image.Dispose();

    private static ImageDeployOptions FastRetries() => new()
    {
        RetryDelay = TimeSpan.Zero,
        MaxRetryDelay = TimeSpan.Zero,
        BlockSize = 256 * 1024,
        ProgressInterval = TimeSpan.FromMilliseconds(50),
    };

    private static byte[] Gzip(byte[] raw)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest))
        {
            gz.Write(raw);
        }
        return ms.ToArray();
    }

    [Theory]
    [InlineData("gzip", ImageFormat.Gzip)]
    [InlineData("zstd", ImageFormat.Zstd)]
    [InlineData("xz", ImageFormat.Xz)]
    [Trait("Peer", "gzip")]
    [Trait("Peer", "zstd")]
    [Trait("Peer", "xz")]
    public async Task DeployAsync_PeerCompressedOverHttp_WritesExactImageAndVerifiesDigest(string program, ImageFormat format)
    {
        string compressed = await _image.CompressWithPeerAsync(program);
        await using var server = new RangeHttpServer();
        var url = server.Add("img", await File.ReadAllBytesAsync(compressed));
        string target = _image.PathOf("target.img");
        var progress = new Recorder();

        var result = await new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, format, _image.Sha256, _image.Raw.Length), target, progress, CancellationToken.None);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw.Length, result.BytesWritten);
        Assert.Equal(new FileInfo(compressed).Length, result.BytesTransferred);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(target));
        Assert.Equal(ImagePhase.Completed, progress.Reports[^1].Phase);
        Assert.Equal(_image.Raw.Length, progress.Reports[^1].BytesDone);
    }

    [Theory]
    [InlineData(ImageFormat.Raw)]
    [InlineData(ImageFormat.Auto)]
    public async Task DeployAsync_RawOverHttp_WritesSparseFileWithHolesForZeroBlocks(ImageFormat format)
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        string target = _image.PathOf("target.img");

        var result = await new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, format, _image.Sha256), target, null, CancellationToken.None);

        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(target));
        Assert.True(result.ZeroBytesSkipped >= Mib, $"skipped only {result.ZeroBytesSkipped} zero bytes");
        var facts = LinuxIo.Stat(target)!.Value;
        Assert.True(facts.AllocatedBytes <= _image.Raw.Length - Mib,
            $"target allocates {facts.AllocatedBytes} bytes for a {_image.Raw.Length}-byte image with {result.ZeroBytesSkipped} zero bytes");
    }

    private const int Mib = TestImage.Mib;

    [Theory]
    [InlineData(ImageFormat.Raw)]
    [InlineData(ImageFormat.Gzip)]
    public async Task DeployAsync_ImageEndingInZeros_TargetFileHasFullLength(ImageFormat format)
    {
        var raw = new byte[3 * Mib + 4096];
        new Random(1).NextBytes(raw.AsSpan(0, Mib));
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(raw));
        await using var server = new RangeHttpServer();
        var url = server.Add("img", format == ImageFormat.Gzip ? Gzip(raw) : raw);
        string target = _image.PathOf("t.img");

        var result = await new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, format, sha), target, null, CancellationToken.None);

        Assert.Equal(raw.Length, new FileInfo(target).Length);
        Assert.Equal(raw, await File.ReadAllBytesAsync(target));
        Assert.True(result.ZeroBytesSkipped >= 2 * Mib);
    }

    [Fact]
    public async Task DeployAsync_ZstdFromOwnCompressorViaFileUrl_AutoDetectsAndVerifies()
    {
        var compressed = new byte[Imaging.Compression.ZstdBlockCompressor.MaxCompressedLength(_image.Raw.Length)];
        int n;
        using (var zstd = new Imaging.Compression.ZstdBlockCompressor())
        {
            n = zstd.Compress(_image.Raw, compressed, 3);
        }
        string path = _image.PathOf("own.zst");
        await File.WriteAllBytesAsync(path, compressed.AsMemory(0, n));

        var result = await new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(new Uri(path), ImageFormat.Auto, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(_image.PathOf("t.img")));
    }

    [Fact]
    public async Task DeployAsync_ConnectionCutMidStream_ResumesWithRangeAndSucceeds()
    {
        var gz = Gzip(_image.Raw);
        await using var server = new RangeHttpServer();
        var url = server.Add("img.gz", gz);
        server.Faults = r => r.Number <= 2 ? new ServerFault(CutAfterBytes: gz.Length / 3) : null;

        var result = await new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Gzip, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(2, result.Retries);
        var requests = server.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Null(requests[0].RangeFrom);
        Assert.Equal(gz.Length / 3, requests[1].RangeFrom);
        Assert.Equal(206, requests[2].Status);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(_image.PathOf("t.img")));
    }

    [Fact]
    public async Task DeployAsync_ServerKeepsCutting_FailsWithNetworkErrorAfterMaxAttempts()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        // The first response breaks after 1000 bytes, every resume breaks before the first byte: no progress.
        server.Faults = r => new ServerFault(CutAfterBytes: r.Number == 1 ? 1000 : 0);
        var options = FastRetries();
        options.MaxAttempts = 3;

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: options)
            .DeployAsync(new ImageSpec(url, ImageFormat.Raw, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.Network, ex.Kind);
        Assert.Contains("gave up after 3 attempts at byte 1000", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1000, ex.Offset);
    }

    [Fact]
    public async Task DeployAsync_ServerIgnoresRangeOnResume_FailsInsteadOfSplicing()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        server.Faults = r => r.Number == 1 ? new ServerFault(CutAfterBytes: 100_000) : new ServerFault(IgnoreRange: true);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Raw, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.Http, ex.Kind);
        Assert.Contains("200 instead of 206", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_WrongDigest_FailsNamingBothDigestsAndNeverReportsCompleted()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        string wrong = new('a', 64);
        var progress = new Recorder();

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Raw, wrong), _image.PathOf("t.img"), progress, CancellationToken.None));

        Assert.Equal(ImageErrorKind.DigestMismatch, ex.Kind);
        Assert.Contains(wrong, ex.Message, StringComparison.Ordinal);
        Assert.Contains(_image.Sha256, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(progress.Reports, p => p.Phase == ImagePhase.Completed);
    }

    [Fact]
    public async Task DeployAsync_TruncatedGzip_FailsAsTruncatedOrCorrupt()
    {
        var gz = Gzip(_image.Raw);
        await using var server = new RangeHttpServer();
        var url = server.Add("img.gz", gz[..(gz.Length / 2)]);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Gzip, _image.Sha256, _image.Raw.Length), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.True(ex.Kind is ImageErrorKind.Truncated or ImageErrorKind.Corrupt, ex.ToString());
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task DeployAsync_TruncatedZstd_FailsAsTruncatedWithOffset()
    {
        var zst = await File.ReadAllBytesAsync(await _image.CompressWithPeerAsync("zstd"));
        await using var server = new RangeHttpServer();
        var url = server.Add("img.zst", zst[..(zst.Length - 100)]);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Zstd, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.Truncated, ex.Kind);
        Assert.NotNull(ex.Offset);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task DeployAsync_CorruptZstd_FailsAsCorrupt()
    {
        var zst = await File.ReadAllBytesAsync(await _image.CompressWithPeerAsync("zstd"));
        for (int i = zst.Length / 2; i < zst.Length / 2 + 64; i++)
        {
            zst[i] ^= 0x5A;
        }
        await using var server = new RangeHttpServer();
        var url = server.Add("img.zst", zst);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Zstd, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.True(ex.Kind is ImageErrorKind.Corrupt or ImageErrorKind.DigestMismatch, ex.ToString());
    }

    [Fact]
    public async Task DeployAsync_HttpNotFound_FailsWithHttpErrorNamingStatus()
    {
        await using var server = new RangeHttpServer();

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(new Uri(server.BaseUri, "missing.img"), ImageFormat.Raw, _image.Sha256), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.Http, ex.Kind);
        Assert.Contains("404", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_TargetSmallerThanImage_FailsBeforeWriting()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        await using var target = DiskTarget.Open(_image.PathOf("small.img"), maxFileSize: 2 * Mib);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Raw, _image.Sha256), target, null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.TargetTooSmall, ex.Kind);
        Assert.Contains(target.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_TargetVanishesMidWrite_FailsWithTargetFailedAndOffset()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        await using var target = new FailingTarget(DiskTarget.Open(_image.PathOf("t.img")), writesBeforeFailure: 2);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Raw, _image.Sha256), target, null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.TargetFailed, ex.Kind);
        Assert.NotNull(ex.Offset);
        Assert.Contains("No such device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_StreamLongerThanStatedSize_Fails()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: FastRetries())
            .DeployAsync(new ImageSpec(url, ImageFormat.Raw, _image.Sha256, _image.Raw.Length - 4096), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.InvalidImage, ex.Kind);
    }

    [Fact]
    public async Task DeployAsync_CancelledMidway_ThrowsOperationCanceled()
    {
        await using var server = new RangeHttpServer();
        var url = server.Add("disk.img", _image.Raw);
        using var cts = new CancellationTokenSource();
        var progress = new CancelOnFirst(cts);
        var options = FastRetries();
        options.ProgressInterval = TimeSpan.FromMilliseconds(1);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            cts.Cancel();
            await new ImageDeployer(options: options)
                .DeployAsync(new ImageSpec(url, ImageFormat.Raw, _image.Sha256), _image.PathOf("t.img"), progress, cts.Token);
        });
    }

    private sealed class CancelOnFirst(CancellationTokenSource cts) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value) => cts.Cancel();
    }
}
