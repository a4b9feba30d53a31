using Provisioner.Imaging.Chunked;
using Provisioner.Imaging.Native;
using Provisioner.Imaging.Tests.Support;
using Provisioner.TestKit.Imaging;

namespace Provisioner.Imaging.Tests.Chunked;

[Trait("Area", "Imaging")]
public sealed class ChunkedDeployTests : IDisposable
{
    private const int ChunkSize = 256 * 1024;
    private readonly TestImage _image = new();

    public void Dispose() => _image.Dispose();

    private async Task<ChunkedImportResult> ImportAsync(ChunkCompression compression = ChunkCompression.Zstd, string? input = null)
        => await ChunkedImageBuilder.ImportAsync(input ?? _image.RawPath, _image.PathOf("out"),
            new ChunkedImageOptions { ChunkSize = ChunkSize, Compression = compression, Parallelism = 2 }, null, CancellationToken.None);

    private static ImageDeployOptions Options(string? journal = null) => new()
    {
        RetryDelay = TimeSpan.Zero,
        MaxRetryDelay = TimeSpan.Zero,
        ParallelChunks = 3,
        JournalPath = journal,
    };

    private static async Task<(RangeHttpServer Server, Uri Index)> ServeAsync(ChunkedImportResult imported)
    {
        var server = new RangeHttpServer();
        var index = server.Add("images/test/index.json", await File.ReadAllBytesAsync(imported.IndexPath));
        server.Add("images/test/" + imported.Index.DataFile, await File.ReadAllBytesAsync(imported.DataPath));
        return (server, index);
    }

    [Theory]
    [InlineData(ChunkCompression.Zstd)]
    [InlineData(ChunkCompression.Gzip)]
    public async Task DeployAsync_ChunkedOverHttp_WritesImageFetchingOnlyNonZeroChunksInParallel(ChunkCompression compression)
    {
        var imported = await ImportAsync(compression);
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        var progress = new Recorder();
        string target = _image.PathOf("target.img");

        var result = await new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri, IndexSha256: imported.IndexSha256),
            target, progress, CancellationToken.None);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(target));
        int stored = imported.Index.Chunks.Count(c => !c.Zero);
        int zero = imported.Index.Chunks.Count(c => c.Zero);
        Assert.True(zero >= 4, $"test image should have zero chunks, has {zero}");
        var ranges = server.Requests.Where(r => r.Path.EndsWith(".chunks", StringComparison.Ordinal)).ToList();
        Assert.Equal(stored, ranges.Count);
        Assert.All(ranges, r => Assert.Equal(206, r.Status));
        Assert.InRange(server.MaxConcurrentResponses, 1, 3);
        Assert.Equal(zero * (long)ChunkSize, result.ZeroBytesSkipped);
        Assert.Equal(imported.Index.DataSize, result.BytesTransferred);
        var facts = LinuxIo.Stat(target)!.Value;
        Assert.True(facts.AllocatedBytes <= _image.Raw.Length - (zero - 1) * (long)ChunkSize,
            $"target allocates {facts.AllocatedBytes} bytes, zero chunks should be holes");
        var last = progress.Reports[^1];
        Assert.Equal(ImagePhase.Completed, last.Phase);
        Assert.Equal(imported.Index.Chunks.Count, last.ChunksDone);
        Assert.Equal(imported.Index.Chunks.Count, last.ChunksTotal);
    }

    [Fact]
    public async Task DeployAsync_ConnectionCutInsideAChunk_RefetchesThatChunkAndSucceeds()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        var victim = imported.Index.Chunks.First(c => !c.Zero && c.Length > 1000);
        int cuts = 0;
        server.Faults = r => r.RangeFrom == victim.Offset && Interlocked.Increment(ref cuts) <= 2 ? new ServerFault(CutAfterBytes: victim.Length / 2) : null;

        var result = await new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), _image.PathOf("t.img"), null, CancellationToken.None);

        Assert.Equal(2, result.Retries);
        Assert.Equal(3, server.Requests.Count(r => r.RangeFrom == victim.Offset));
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(_image.PathOf("t.img")));
    }

    [Fact]
    public async Task DeployAsync_RestartAfterNetworkFailure_ResumesFromJournalWithoutRefetchingVerifiedChunks()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        string journal = _image.PathOf("deploy.journal");
        string target = _image.PathOf("t.img");
        var spec = new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri);
        var stored = imported.Index.Chunks.Where(c => !c.Zero).ToList();
        long failFrom = stored[stored.Count / 2].Offset;
        server.Faults = r => r.RangeFrom >= failFrom ? new ServerFault(Status: 503) : null;
        var options = Options(journal);
        options.MaxAttempts = 2;

        var first = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: options).DeployAsync(spec, target, null, CancellationToken.None));
        Assert.Equal(ImageErrorKind.Network, first.Kind);
        Assert.NotNull(first.Chunk);
        Assert.Contains($"chunk {first.Chunk}", first.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(journal));

        server.Faults = null;
        int before = server.Requests.Count;
        var result = await new ImageDeployer(options: Options(journal)).DeployAsync(spec, target, null, CancellationToken.None);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.True(result.ChunksReused >= stored.Count / 2 - 3, $"reused only {result.ChunksReused} chunks");
        var refetched = server.Requests.Skip(before).Where(r => r.RangeFrom is not null).ToList();
        Assert.All(refetched, r => Assert.True(r.RangeFrom >= stored[stored.Count / 2 - 3].Offset, $"refetched early range {r.RangeFrom}"));
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(target));
        Assert.False(File.Exists(journal));
    }

    [Fact]
    public async Task DeployAsync_JournalListsChunkThatIsNotOnDisk_RefetchesIt()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        string journal = _image.PathOf("deploy.journal");
        var indexBytes = await File.ReadAllBytesAsync(imported.IndexPath);
        await File.WriteAllTextAsync(journal, $"provisioner-chunk-journal v1 {ChunkIndex.DigestOf(indexBytes)}\n0\n1\n");
        await File.WriteAllBytesAsync(_image.PathOf("t.img"), new byte[_image.Raw.Length]);

        var result = await new ImageDeployer(options: Options(journal)).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), _image.PathOf("t.img"), null, CancellationToken.None);

        Assert.Equal(0, result.ChunksReused);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(_image.PathOf("t.img")));
    }

    [Fact]
    public async Task DeployAsync_CorruptedChunkBytes_FailsNamingTheChunk()
    {
        var imported = await ImportAsync();
        var data = await File.ReadAllBytesAsync(imported.DataPath);
        int victimIndex = imported.Index.Chunks.ToList().FindIndex(c => !c.Zero && c.Length > 4096);
        var victim = imported.Index.Chunks[victimIndex];
        for (long i = victim.Offset + victim.Length / 2; i < victim.Offset + victim.Length / 2 + 32; i++)
        {
            data[i] ^= 0xFF;
        }
        await File.WriteAllBytesAsync(imported.DataPath, data);
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        var progress = new Recorder();

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), _image.PathOf("t.img"), progress, CancellationToken.None));

        Assert.True(ex.Kind is ImageErrorKind.Corrupt or ImageErrorKind.DigestMismatch, ex.ToString());
        Assert.Equal(victimIndex, ex.Chunk);
        Assert.Contains($"chunk {victimIndex} ", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(progress.Reports, p => p.Phase == ImagePhase.Completed);
    }

    [Fact]
    public async Task DeployAsync_ChunkDigestInIndexWrong_FailsWithExpectedAndActual()
    {
        var imported = await ImportAsync();
        var chunks = imported.Index.Chunks.ToList();
        int victim = chunks.FindIndex(c => !c.Zero);
        chunks[victim] = chunks[victim] with { Sha256 = new string('0', 64) };
        await (imported.Index with { Chunks = chunks }).WriteAsync(imported.IndexPath);
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.DigestMismatch, ex.Kind);
        Assert.Equal(victim, ex.Chunk);
        Assert.Contains("expected sha256 " + new string('0', 64), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_IndexOfAnotherImage_FailsBeforeFetchingChunks()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        string other = new('b', 64);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, other, IndexUrl: indexUri), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.DigestMismatch, ex.Kind);
        Assert.DoesNotContain(server.Requests, r => r.RangeFrom is not null);
    }

    [Fact]
    public async Task DeployAsync_IndexDigestMismatch_Fails()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri, IndexSha256: new string('c', 64)),
            _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.DigestMismatch, ex.Kind);
        Assert.Contains("chunk index", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_TargetSmallerThanImage_FailsWithTargetTooSmall()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        await using var target = Imaging.Targets.DiskTarget.Open(_image.PathOf("small.img"), maxFileSize: TestImage.Mib);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), target, null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.TargetTooSmall, ex.Kind);
    }

    [Fact]
    public async Task DeployAsync_TargetVanishes_FailsWithTargetFailed()
    {
        var imported = await ImportAsync();
        var (server, indexUri) = await ServeAsync(imported);
        await using var _ = server;
        await using var target = new FailingTarget(Imaging.Targets.DiskTarget.Open(_image.PathOf("t.img")), writesBeforeFailure: 3);

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), target, null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.TargetFailed, ex.Kind);
    }

    [Fact]
    public async Task DeployAsync_DataFileMissing_FailsWithHttp404()
    {
        var imported = await ImportAsync();
        await using var server = new RangeHttpServer();
        var indexUri = server.Add("index.json", await File.ReadAllBytesAsync(imported.IndexPath));

        var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: indexUri), _image.PathOf("t.img"), null, CancellationToken.None));

        Assert.Equal(ImageErrorKind.Http, ex.Kind);
        Assert.Contains("404", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeployAsync_ChunkedFromFileUrls_Works()
    {
        var imported = await ImportAsync();

        var result = await new ImageDeployer(options: Options()).DeployAsync(
            new ImageSpec(null, ImageFormat.Chunked, _image.Sha256, IndexUrl: new Uri(imported.IndexPath)), _image.PathOf("t.img"), null, CancellationToken.None);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(_image.PathOf("t.img")));
    }
}
