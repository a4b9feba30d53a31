using System.Security.Cryptography;
using Provisioner.Imaging.Chunked;
using Provisioner.Imaging.Tests.Support;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests.Chunked;

[Trait("Area", "Imaging")]
public sealed class ChunkedImageBuilderTests : IDisposable
{
    private const int ChunkSize = 256 * 1024;
    private readonly TestImage _image = new();

    public void Dispose() => _image.Dispose();

    private Task<ChunkedImportResult> ImportAsync(string input, ChunkCompression compression = ChunkCompression.Zstd, IProgress<ImageProgress>? progress = null)
        => ChunkedImageBuilder.ImportAsync(input, _image.PathOf("out"),
            new ChunkedImageOptions { ChunkSize = ChunkSize, Compression = compression, Parallelism = 2, ProgressInterval = TimeSpan.FromMilliseconds(1) },
            progress, CancellationToken.None);

    [Fact]
    public async Task ImportAsync_RawImage_IndexDescribesEveryChunkAndZeroChunksAreNotStored()
    {
        var progress = new Recorder();

        var result = await ImportAsync(_image.RawPath, progress: progress);

        var index = result.Index;
        Assert.Equal(ImageFormat.Raw, result.SourceFormat);
        Assert.Equal(_image.Sha256, index.Sha256);
        Assert.Equal(_image.Raw.Length, index.ImageSize);
        Assert.Equal((_image.Raw.Length + ChunkSize - 1) / ChunkSize, index.Chunks.Count);
        for (int i = 0; i < index.Chunks.Count; i++)
        {
            var raw = _image.Raw.AsSpan((int)index.RawOffset(i), index.Chunks[i].RawLength);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(raw)), index.Chunks[i].Sha256);
            Assert.Equal(raw.IndexOfAnyExcept((byte)0) < 0, index.Chunks[i].Zero);
        }
        Assert.Equal(_image.Raw.Length % ChunkSize, index.Chunks[^1].RawLength);
        Assert.Equal(index.Chunks.Where(c => !c.Zero).Sum(c => c.Length), new FileInfo(result.DataPath).Length);
        Assert.Equal(ChunkIndex.DigestOf(await File.ReadAllBytesAsync(result.IndexPath)), result.IndexSha256);
        Assert.False(File.Exists(result.DataPath + ".tmp"));
        Assert.Equal(ImagePhase.Completed, progress.Reports[^1].Phase);
        Assert.Equal(index.Chunks.Count, progress.Reports[^1].ChunksDone);
    }

    [Theory]
    [InlineData("gzip", ImageFormat.Gzip)]
    [InlineData("zstd", ImageFormat.Zstd)]
    [InlineData("xz", ImageFormat.Xz)]
    [Trait("Peer", "gzip")]
    [Trait("Peer", "zstd")]
    [Trait("Peer", "xz")]
    public async Task ImportAsync_PeerCompressedInput_DetectsFormatAndGivesSameIndexAsRaw(string program, ImageFormat format)
    {
        string compressed = await _image.CompressWithPeerAsync(program);

        var result = await ImportAsync(compressed);

        Assert.Equal(format, result.SourceFormat);
        Assert.Equal(_image.Sha256, result.Index.Sha256);
        Assert.Equal(_image.Raw.Length, result.Index.ImageSize);
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task ImportAsync_ZstdChunks_DecompressWithZstdCliToTheNonZeroChunks()
    {
        var result = await ImportAsync(_image.RawPath);
        string zstd = Peers.Require("zstd");
        string output = _image.PathOf("cli-out.bin");

        var (code, _, stderr) = await PeerProcess.RunAsync(zstd, ["-q", "-d", "-f", result.DataPath, "-o", output], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, stderr);
        var expected = result.Index.Chunks.Select((c, i) => (c, i)).Where(x => !x.c.Zero)
            .SelectMany(x => _image.Raw.AsSpan((int)result.Index.RawOffset(x.i), x.c.RawLength).ToArray()).ToArray();
        Assert.Equal(expected, await File.ReadAllBytesAsync(output));
    }

    [Fact]
    [Trait("Peer", "gzip")]
    public async Task ImportAsync_GzipChunks_DecompressWithGzipCli()
    {
        var result = await ImportAsync(_image.RawPath, ChunkCompression.Gzip);
        string gzip = Peers.Require("gzip");
        string copy = _image.PathOf("chunks.gz");
        File.Copy(result.DataPath, copy);

        var (code, _, stderr) = await PeerProcess.RunAsync(gzip, ["-d", "-f", copy], TimeSpan.FromSeconds(60));

        Assert.True(code == 0, stderr);
        long expected = result.Index.Chunks.Where(c => !c.Zero).Sum(c => (long)c.RawLength);
        Assert.Equal(expected, new FileInfo(_image.PathOf("chunks")).Length);
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task ImportAsync_TruncatedZstdInput_FailsAsTruncated()
    {
        string compressed = await _image.CompressWithPeerAsync("zstd");
        var bytes = await File.ReadAllBytesAsync(compressed);
        await File.WriteAllBytesAsync(compressed, bytes[..(bytes.Length * 2 / 3)]);

        var ex = await Assert.ThrowsAsync<ImageException>(() => ImportAsync(compressed));

        Assert.Equal(ImageErrorKind.Truncated, ex.Kind);
        Assert.False(File.Exists(Path.Combine(_image.PathOf("out"), "index.json")));
    }

    [Fact]
    public async Task ImportAsync_ChunkIndexAsInput_IsRefused()
    {
        var result = await ImportAsync(_image.RawPath);

        var ex = await Assert.ThrowsAsync<ImageException>(() => ImportAsync(result.IndexPath));

        Assert.Equal(ImageErrorKind.InvalidImage, ex.Kind);
    }
}
