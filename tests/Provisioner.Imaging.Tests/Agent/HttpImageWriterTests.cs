using System.IO.Compression;
using System.Security.Cryptography;
using Provisioner.Agent.Imaging;
using Provisioner.Agent.Protocol;

namespace Provisioner.Imaging.Tests.Agent;

// Inside Provisioner.Imaging.* the Imaging library's ImageFormat would win: these tests speak the wire protocol.
using ImageFormat = Provisioner.Agent.Protocol.ImageFormat;

[Trait("Area", "Agent")]
public sealed class HttpImageWriterTests : IAsyncLifetime
{
    private readonly string _disk = Path.Combine(Path.GetTempPath(), $"agent-disk-{Guid.NewGuid():N}.raw");
    private readonly byte[] _image = RandomImage(3 * 1024 * 1024 + 123);
    private FakeAppliance _appliance = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _appliance = new FakeAppliance("img-token");
        _http = new HttpClient();
        using var f = File.Create(_disk);
        f.SetLength(8 << 20);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _appliance.DisposeAsync();
        File.Delete(_disk);
    }

    private static byte[] RandomImage(int size)
    {
        var bytes = new byte[size];
        new Random(7).NextBytes(bytes.AsSpan(0, size / 2)); // half random, half zeros: compresses a little
        return bytes;
    }

    private static string Sha(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private HttpImageWriter Writer(string token = "img-token") => new(_http, _appliance.BaseUrl, token);

    private sealed class Recorder : IProgress<ImageWriteProgress>
    {
        public List<ImageWriteProgress> Reports { get; } = [];

        public void Report(ImageWriteProgress value) => Reports.Add(value);
    }

    [Fact]
    public async Task WriteAsync_RawImage_WritesVerifiesAndReportsProgress()
    {
        _appliance.Serve("/images/a.raw", _image);
        var progress = new Recorder();

        var result = await Writer().WriteAsync(new ImageSource("/images/a.raw", ImageFormat.Raw, Sha(_image), _image.Length), _disk, progress, default);

        Assert.Equal(Sha(_image), result.Sha256);
        Assert.Equal(_image, File.ReadAllBytes(_disk).AsSpan(0, _image.Length).ToArray());
        Assert.Equal(8 << 20, new FileInfo(_disk).Length);
        Assert.Equal(new ImageWriteProgress(_image.Length, _image.Length), progress.Reports[^1]);
        Assert.Equal("Bearer img-token", _appliance.Calls.Single(c => c.Path == "/images/a.raw").Authorization);
    }

    [Fact]
    public async Task WriteAsync_GzipImage_Decompresses()
    {
        using var ms = new MemoryStream();
        await using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gz.WriteAsync(_image);
        }

        _appliance.Serve("/images/a.raw.gz", ms.ToArray());

        var result = await Writer().WriteAsync(new ImageSource($"{_appliance.BaseUrl}images/a.raw.gz", ImageFormat.Gzip, Sha(_image), _image.Length), _disk, new Recorder(), default);

        Assert.Equal(_image.Length, result.BytesWritten);
        Assert.Equal(Sha(_image), Sha(File.ReadAllBytes(_disk)[.._image.Length]));
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task WriteAsync_ZstdImage_DecompressesThroughZstd()
    {
        TestKit.Peers.Require("zstd");
        var raw = Path.Combine(Path.GetTempPath(), $"img-{Guid.NewGuid():N}.raw");
        await File.WriteAllBytesAsync(raw, _image);
        try
        {
            var (rc, _, err) = await TestKit.PeerProcess.RunAsync("zstd", ["-q", "-3", "-f", raw, "-o", raw + ".zst"], TimeSpan.FromSeconds(30));
            Assert.True(rc == 0, err);
            _appliance.Serve("/images/a.raw.zst", await File.ReadAllBytesAsync(raw + ".zst"));

            var result = await Writer().WriteAsync(new ImageSource("/images/a.raw.zst", ImageFormat.Zstd, Sha(_image), _image.Length), _disk, new Recorder(), default);

            Assert.Equal(Sha(_image), result.Sha256);
        }
        finally
        {
            File.Delete(raw);
            File.Delete(raw + ".zst");
        }
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task WriteAsync_TruncatedZstd_FailsNamingTheDecompressor()
    {
        TestKit.Peers.Require("zstd");
        var raw = Path.Combine(Path.GetTempPath(), $"img-{Guid.NewGuid():N}.raw");
        await File.WriteAllBytesAsync(raw, _image);
        try
        {
            await TestKit.PeerProcess.RunAsync("zstd", ["-q", "-3", "-f", raw, "-o", raw + ".zst"], TimeSpan.FromSeconds(30));
            var zst = await File.ReadAllBytesAsync(raw + ".zst");
            _appliance.Serve("/images/cut.zst", zst[..(zst.Length / 2)]);

            var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
                Writer().WriteAsync(new ImageSource("/images/cut.zst", ImageFormat.Zstd, Sha(_image), _image.Length), _disk, new Recorder(), default));

            Assert.Contains("zstd exited", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(raw);
            File.Delete(raw + ".zst");
        }
    }

    [Fact]
    public async Task WriteAsync_TruncatedStream_FailsSayingTruncated()
    {
        _appliance.Serve("/images/short.raw", _image[..1_000_000]);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/short.raw", ImageFormat.Raw, Sha(_image), _image.Length), _disk, new Recorder(), default));

        Assert.Equal($"the image stream ended after 1000000 of {_image.Length} bytes (truncated)", e.Message);
    }

    [Fact]
    public async Task WriteAsync_LongerThanAnnounced_FailsWithoutWritingPastIt()
    {
        _appliance.Serve("/images/a.raw", _image);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/a.raw", ImageFormat.Raw, Sha(_image), 1000), _disk, new Recorder(), default));

        Assert.Contains("larger than announced", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_WrongChecksum_FailsWithBothHashes()
    {
        _appliance.Serve("/images/a.raw", _image);
        var wrong = new string('0', 64);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/a.raw", ImageFormat.Raw, wrong, _image.Length), _disk, new Recorder(), default));

        Assert.Equal($"sha256 mismatch: expected {wrong}, got {Sha(_image)}", e.Message);
    }

    [Fact]
    public async Task WriteAsync_DiskSmallerThanImage_FailsBeforeDownloadingEverything()
    {
        _appliance.Serve("/images/a.raw", _image);
        using (var f = File.Open(_disk, FileMode.Open))
        {
            f.SetLength(1 << 20);
        }

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/a.raw", ImageFormat.Raw, Sha(_image), _image.Length), _disk, new Recorder(), default));

        Assert.Equal($"target {_disk} holds {1 << 20} bytes, smaller than the image ({_image.Length} bytes)", e.Message);
        Assert.Equal(1 << 20, new FileInfo(_disk).Length);
    }

    [Fact]
    public async Task WriteAsync_TargetVanished_FailsNamingTheTarget()
    {
        _appliance.Serve("/images/a.raw", _image);
        File.Delete(_disk);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/a.raw", ImageFormat.Raw, Sha(_image), _image.Length), _disk, new Recorder(), default));

        Assert.StartsWith($"cannot open target {_disk}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ExpiredToken_FailsWith401Message()
    {
        _appliance.Serve("/images/a.raw", _image);

        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer("stale").WriteAsync(new ImageSource("/images/a.raw", ImageFormat.Raw, Sha(_image), _image.Length), _disk, new Recorder(), default));

        Assert.Contains("401", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_MissingImage_FailsWithHttpStatus()
    {
        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/none.raw", ImageFormat.Raw, Sha(_image), _image.Length), _disk, new Recorder(), default));

        Assert.Contains("HTTP 404", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_ChunkedFormat_IsRefusedClearly()
    {
        var e = await Assert.ThrowsAsync<ImageWriteException>(() =>
            Writer().WriteAsync(new ImageSource("/images/c/", ImageFormat.Chunked, Sha(_image), _image.Length, "/images/c/index"), _disk, new Recorder(), default));

        Assert.Contains("chunked", e.Message, StringComparison.Ordinal);
    }
}
