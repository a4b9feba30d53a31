using Provisioner.Imaging.Compression;
using Provisioner.Imaging.Tests.Support;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests.Compression;

[Trait("Area", "Imaging")]
public sealed class DecompressStreamTests : IDisposable
{
    private readonly TestImage _image = new(2 * TestImage.Mib + 777);

    public void Dispose() => _image.Dispose();

    private static async Task<byte[]> ReadAllAsync(Stream s, int readSize)
    {
        using var ms = new MemoryStream();
        var buf = new byte[readSize];
        int n;
        while ((n = await s.ReadAsync(buf)) > 0)
        {
            ms.Write(buf, 0, n);
        }
        return ms.ToArray();
    }

    private static byte[] OwnZstd(ReadOnlySpan<byte> raw)
    {
        var dst = new byte[ZstdBlockCompressor.MaxCompressedLength(raw.Length)];
        using var c = new ZstdBlockCompressor();
        return dst[..c.Compress(raw, dst, 3)];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4093)]
    [InlineData(1 << 20)]
    [Trait("Peer", "zstd")]
    public async Task ZstdDecompressStream_PeerOutput_RoundTripsForAnyReadSize(int readSize)
    {
        var compressed = await File.ReadAllBytesAsync(await _image.CompressWithPeerAsync("zstd"));
        var input = readSize == 1 ? compressed[..Math.Min(compressed.Length, 70_000)] : compressed;
        await using var z = new ZstdDecompressStream(new MemoryStream(compressed), inputBufferSize: 4096);

        var raw = await ReadAllAsync(z, readSize);

        Assert.Equal(_image.Raw, raw);
        Assert.NotEmpty(input);
    }

    [Fact]
    public async Task ZstdDecompressStream_ConcatenatedFrames_YieldsAllOfThem()
    {
        var a = OwnZstd(_image.Raw.AsSpan(0, 100_000));
        var b = OwnZstd(_image.Raw.AsSpan(100_000, 200_000));
        await using var z = new ZstdDecompressStream(new MemoryStream([.. a, .. b]));

        var raw = await ReadAllAsync(z, 65536);

        Assert.Equal(_image.Raw.AsSpan(0, 300_000).ToArray(), raw);
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task ZstdBlockCompressor_Output_DecompressesWithZstdCli()
    {
        string path = _image.PathOf("own.zst");
        await File.WriteAllBytesAsync(path, OwnZstd(_image.Raw));

        var (code, _, stderr) = await PeerProcess.RunAsync(Peers.Require("zstd"), ["-q", "-d", "-f", path, "-o", _image.PathOf("own.out")], TimeSpan.FromSeconds(30));

        Assert.True(code == 0, stderr);
        Assert.Equal(_image.Raw, await File.ReadAllBytesAsync(_image.PathOf("own.out")));
    }

    [Fact]
    public async Task ZstdDecompressStream_Truncated_ThrowsEndOfStream()
    {
        var compressed = OwnZstd(_image.Raw);
        await using var z = new ZstdDecompressStream(new MemoryStream(compressed[..^10]));

        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAllAsync(z, 65536));
    }

    [Fact]
    public async Task ZstdDecompressStream_Garbage_ThrowsInvalidData()
    {
        await using var z = new ZstdDecompressStream(new MemoryStream(_image.Raw[..10000]));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(z, 65536));
        Assert.Contains("zstd", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZstdDecompressStream_EmptyInput_ThrowsEndOfStream()
    {
        await using var z = new ZstdDecompressStream(new MemoryStream([]));

        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAllAsync(z, 100));
    }

    [Fact]
    [Trait("Peer", "xz")]
    public async Task XzDecompressStream_PeerOutput_RoundTrips()
    {
        var compressed = await File.ReadAllBytesAsync(await _image.CompressWithPeerAsync("xz"));
        await using var x = new XzDecompressStream(new MemoryStream(compressed), inputBufferSize: 8192);

        Assert.Equal(_image.Raw, await ReadAllAsync(x, 100_000));
    }

    [Fact]
    [Trait("Peer", "xz")]
    public async Task XzDecompressStream_Truncated_ThrowsEndOfStream()
    {
        var compressed = await File.ReadAllBytesAsync(await _image.CompressWithPeerAsync("xz"));
        await using var x = new XzDecompressStream(new MemoryStream(compressed[..(compressed.Length / 2)]));

        await Assert.ThrowsAsync<EndOfStreamException>(() => ReadAllAsync(x, 100_000));
    }

    [Fact]
    [Trait("Peer", "xz")]
    public async Task XzDecompressStream_Corrupt_ThrowsInvalidData()
    {
        var compressed = await File.ReadAllBytesAsync(await _image.CompressWithPeerAsync("xz"));
        for (int i = 100; i < 200; i++)
        {
            compressed[i] ^= 0x33;
        }
        await using var x = new XzDecompressStream(new MemoryStream(compressed));

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadAllAsync(x, 100_000));
    }
}
