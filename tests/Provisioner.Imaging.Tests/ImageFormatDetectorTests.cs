using Provisioner.Imaging.Tests.Support;

namespace Provisioner.Imaging.Tests;

[Trait("Area", "Imaging")]
public sealed class ImageFormatDetectorTests
{
    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00 }, ImageFormat.Gzip)]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x04 }, ImageFormat.Zstd)]
    [InlineData(new byte[] { 0x50, 0x2A, 0x4D, 0x18, 0x00 }, ImageFormat.Zstd)]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, ImageFormat.Xz)]
    [InlineData(new byte[] { 0xEB, 0x63, 0x90 }, ImageFormat.Raw)]
    [InlineData(new byte[] { 0x1F, 0x8B }, ImageFormat.Raw)]
    [InlineData(new byte[0], ImageFormat.Raw)]
    public void Detect_MagicBytes_ReturnsFormat(byte[] prefix, ImageFormat expected)
        => Assert.Equal(expected, ImageFormatDetector.Detect(prefix));

    [Fact]
    public void Detect_ChunkIndexJson_ReturnsChunked()
        => Assert.Equal(ImageFormat.Chunked, ImageFormatDetector.Detect("  {\"format\":\"provisioner-chunked-image\",\"version\":1}"u8));

    [Fact]
    public void Detect_OtherJson_ReturnsRaw()
        => Assert.Equal(ImageFormat.Raw, ImageFormatDetector.Detect("{\"hello\":1}"u8));

    [Theory]
    [InlineData("gzip", ImageFormat.Gzip)]
    [InlineData("zstd", ImageFormat.Zstd)]
    [InlineData("xz", ImageFormat.Xz)]
    [Trait("Peer", "gzip")]
    [Trait("Peer", "zstd")]
    [Trait("Peer", "xz")]
    public async Task DetectFile_PeerOutput_ReturnsFormat(string program, ImageFormat expected)
    {
        using var image = new TestImage(64 * 1024);

        string path = await image.CompressWithPeerAsync(program);

        Assert.Equal(expected, ImageFormatDetector.DetectFile(path));
        Assert.Equal(ImageFormat.Raw, ImageFormatDetector.DetectFile(image.RawPath));
    }
}
