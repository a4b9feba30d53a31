using Provisioner.Agent.Imaging;
using Provisioner.Agent.Protocol;
using Provisioner.Imaging.Chunked;
using Provisioner.Imaging.Tests.Support;

namespace Provisioner.Imaging.Tests.Agent;

// Inside Provisioner.Imaging.* the Imaging library's ImageFormat would win: these tests speak the wire protocol.
using ImageFormat = Provisioner.Agent.Protocol.ImageFormat;

/// <summary>The agent's image writer against Kestrel on loopback, with images made by the Debian tools and by our builder.</summary>
[Trait("Area", "Agent")]
public sealed class VerifiedImageWriterTests : IAsyncLifetime
{
    private const string Token = "boot-token-1";
    private const int ChunkSize = 256 * 1024;
    private readonly TestImage _image = new();
    private readonly string _journals = Directory.CreateTempSubdirectory("agent-journal-").FullName;
    private readonly SocketsHttpHandler _transport = new();
    private string _disk = null!;
    private KestrelImageServer _appliance = null!;

    public async Task InitializeAsync()
    {
        _appliance = await KestrelImageServer.StartAsync(Token);
        _disk = _image.PathOf("disk.raw");
        using var f = File.Create(_disk);
        f.SetLength(8 << 20);
    }

    public async Task DisposeAsync()
    {
        _transport.Dispose();
        await _appliance.DisposeAsync();
        _image.Dispose();
        Directory.Delete(_journals, recursive: true);
    }

    private VerifiedImageWriter Writer(string token = Token, int parallelChunks = 3) =>
        new(_transport, _appliance.BaseUrl, token, _journals, new ImageDeployOptions
        {
            ParallelChunks = parallelChunks,
            MaxAttempts = 3,
            RetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(10),
        });

    private ImageSource Source(string url, ImageFormat format, string? sha256 = null, long? size = null, string? indexUrl = null) =>
        new(url, format, sha256 ?? _image.Sha256, size ?? _image.Raw.Length, indexUrl);

    private sealed class Recorder : IProgress<ImageWriteProgress>
    {
        public List<ImageWriteProgress> Reports { get; } = [];

        public void Report(ImageWriteProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }

    private async Task<ChunkedImportResult> ChunkedAsync(string servedAs)
    {
        var imported = await ChunkedImageBuilder.ImportAsync(_image.RawPath, _image.PathOf("chunked"),
            new ChunkedImageOptions { ChunkSize = ChunkSize, Compression = ChunkCompression.Zstd, Parallelism = 2 }, null, default);
        _appliance.AddFile($"{servedAs}/index.json", imported.IndexPath);
        _appliance.AddFile($"{servedAs}/{imported.Index.DataFile}", imported.DataPath);
        return imported;
    }

    private byte[] Written() => File.ReadAllBytes(_disk).AsSpan(0, _image.Raw.Length).ToArray();

    [Fact]
    public async Task WriteAsync_RawImage_WritesVerifiesKeepsTheDiskSizeAndReportsProgress()
    {
        _appliance.AddFile("images/a.raw", _image.RawPath);
        var progress = new Recorder();

        var result = await Writer().WriteAsync(Source("/images/a.raw", ImageFormat.Raw), _disk, progress, default);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw.Length, result.BytesWritten);
        Assert.Equal(_image.Raw, Written());
        Assert.Equal(8 << 20, new FileInfo(_disk).Length);
        Assert.Equal(new ImageWriteProgress(_image.Raw.Length, _image.Raw.Length), progress.Reports[^1]);
        Assert.All(_appliance.Requests, r => Assert.Equal("Bearer " + Token, r.Authorization));
    }

    [Theory]
    [InlineData("gzip", ImageFormat.Gzip)]
    [InlineData("zstd", ImageFormat.Zstd)]
    [InlineData("xz", ImageFormat.Xz)]
    [Trait("Peer", "zstd")]
    public async Task WriteAsync_CompressedByTheDebianTool_DecompressesInProcess(string tool, ImageFormat format)
    {
        var compressed = await _image.CompressWithPeerAsync(tool);
        var url = _appliance.AddFile("images/a.raw" + Path.GetExtension(compressed), compressed);

        var result = await Writer().WriteAsync(Source(url.ToString(), format), _disk, new Recorder(), default);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, Written());
    }

    [Fact]
    public async Task WriteAsync_ChunkedImage_FetchesOnlyStoredChunksWithTheToken()
    {
        var imported = await ChunkedAsync("images/c");
        var progress = new Recorder();

        var result = await Writer().WriteAsync(Source("/images/c/index.json", ImageFormat.Chunked, indexUrl: "/images/c/index.json"), _disk, progress, default);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, Written());
        Assert.Equal(8 << 20, new FileInfo(_disk).Length);
        var ranges = _appliance.Requests.Where(r => r.Path == "/images/c/" + imported.Index.DataFile).ToList();
        Assert.Equal(imported.Index.Chunks.Count(c => !c.Zero), ranges.Count);
        Assert.All(ranges, r => Assert.StartsWith("bytes=", r.Range, StringComparison.Ordinal));
        Assert.All(_appliance.Requests, r => Assert.Equal("Bearer " + Token, r.Authorization));
        Assert.Equal(_image.Raw.Length, progress.Reports[^1].BytesWritten);
        Assert.Empty(Directory.GetFiles(_journals));
    }

    [Fact]
    public async Task WriteAsync_WrongChecksum_FailsNamingExpectedAndActual()
    {
        _appliance.AddFile("images/a.raw.zst", await _image.CompressWithPeerAsync("zstd"));
        var wrong = new string('0', 64);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(Source("/images/a.raw.zst", ImageFormat.Zstd, sha256: wrong), _disk, new Recorder(), default));

        Assert.Contains($"expected sha256 {wrong}, got {_image.Sha256}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ChunkedWithWrongChecksum_FailsBeforeFetchingChunks()
    {
        await ChunkedAsync("images/c");
        var wrong = new string('1', 64);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(Source("/images/c/index.json", ImageFormat.Chunked, sha256: wrong), _disk, new Recorder(), default));

        Assert.Contains(_image.Sha256, e.Message, StringComparison.Ordinal);
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_appliance.Requests, r => r.Range is not null);
    }

    [Fact]
    public async Task WriteAsync_StreamCutMidway_ResumesWithARangeAndVerifies()
    {
        var zst = await _image.CompressWithPeerAsync("zstd");
        _appliance.AddFile("images/a.raw.zst", zst);
        var cutAt = new FileInfo(zst).Length / 2;
        _appliance.CutAfter = r => r.Headers.Range.Count == 0 ? cutAt : null;

        var result = await Writer().WriteAsync(Source("/images/a.raw.zst", ImageFormat.Zstd), _disk, new Recorder(), default);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, Written());
        var resumed = _appliance.Requests.Single(r => r.Range is not null);
        Assert.StartsWith("bytes=", resumed.Range, StringComparison.Ordinal);
        Assert.True(long.Parse(resumed.Range!["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture) > 0, resumed.Range);
    }

    [Fact]
    public async Task WriteAsync_ChunkedInterruptedThenRetriedByANewAgent_ResumesFromTheJournal()
    {
        var imported = await ChunkedAsync("images/c");
        var data = "/images/c/" + imported.Index.DataFile;
        var stored = imported.Index.Chunks.Select((c, i) => (c, i)).Where(x => !x.c.Zero).ToList();
        var broken = stored[stored.Count / 2].c;
        // Every attempt at that chunk's range breaks: the first agent gives up there.
        _appliance.CutAfter = r => r.Path == data && r.Headers.Range.ToString() == $"bytes={broken.Offset}-{broken.Offset + broken.Length - 1}" ? broken.Length / 2 : null;
        var source = Source("/images/c/index.json", ImageFormat.Chunked);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() => Writer(parallelChunks: 1).WriteAsync(source, _disk, new Recorder(), default));
        Assert.Contains("gave up", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Writer().JournalPathFor(_disk)));

        // The agent restarts (a new writer, the same /run directory) and the appliance retries the task.
        _appliance.CutAfter = null;
        var before = _appliance.Requests.Count;
        var result = await Writer(parallelChunks: 1).WriteAsync(source, _disk, new Recorder(), default);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.Equal(_image.Raw, Written());
        var refetched = _appliance.Requests.Skip(before).Where(r => r.Path == data).Select(r => r.Range ?? "(whole file)").ToList();
        var expected = stored.Where(x => x.c.Offset >= broken.Offset).Select(x => $"bytes={x.c.Offset}-{x.c.Offset + x.c.Length - 1}").ToList();
        Assert.Equal(expected, refetched);
        Assert.False(File.Exists(Writer().JournalPathFor(_disk)));
    }

    [Fact]
    public async Task WriteAsync_ExpiredToken_SaysSo()
    {
        _appliance.AddFile("images/a.raw", _image.RawPath);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer("stale").WriteAsync(Source("/images/a.raw", ImageFormat.Raw), _disk, new Recorder(), default));

        Assert.StartsWith("the appliance rejected the boot token (401)", e.Message, StringComparison.Ordinal);
        Assert.Contains("expired", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_MissingImage_Says404()
    {
        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(Source("/images/none.raw", ImageFormat.Raw), _disk, new Recorder(), default));

        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
        Assert.Contains("/images/none.raw", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ImageOnAnotherServer_TokenIsNotSentThere()
    {
        await using var mirror = await KestrelImageServer.StartAsync();
        var url = mirror.AddFile("mirror/a.raw", _image.RawPath);

        var result = await Writer().WriteAsync(Source(url.ToString(), ImageFormat.Raw), _disk, new Recorder(), default);

        Assert.Equal(_image.Sha256, result.Sha256);
        Assert.All(mirror.Requests, r => Assert.Null(r.Authorization));
        Assert.Empty(_appliance.Requests);
    }

    [Fact]
    public async Task WriteAsync_TruncatedImage_FailsSayingWhere()
    {
        _appliance.Add("images/short.raw", _image.Raw[..1_000_000]);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(Source("/images/short.raw", ImageFormat.Raw), _disk, new Recorder(), default));

        Assert.Contains("ended at raw offset 1000000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_DiskSmallerThanImage_FailsBeforeDownloading()
    {
        _appliance.AddFile("images/a.raw", _image.RawPath);
        using (var f = File.Open(_disk, FileMode.Open))
        {
            f.SetLength(1 << 20);
        }

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(Source("/images/a.raw", ImageFormat.Raw), _disk, new Recorder(), default));

        Assert.Equal($"target {_disk} holds {1 << 20} bytes, smaller than the image ({_image.Raw.Length} bytes)", e.Message);
        Assert.Equal(1 << 20, new FileInfo(_disk).Length);
        Assert.Empty(_appliance.Requests);
    }

    [Fact]
    public async Task WriteAsync_TargetVanished_FailsNamingTheTarget()
    {
        _appliance.AddFile("images/a.raw", _image.RawPath);
        File.Delete(_disk);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(Source("/images/a.raw", ImageFormat.Raw), _disk, new Recorder(), default));

        Assert.StartsWith($"cannot open target {_disk}", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_disk));
    }
}
