using System.IO.Compression;
using Provisioner.Imaging.Native;

namespace Provisioner.Imaging.Compression;

/// <summary>Wraps a compressed stream in the decompressor for its format.</summary>
public static class Decompressors
{
    /// <summary>Returns a stream of raw bytes; <see cref="ImageFormat.Raw"/> returns <paramref name="source"/> itself.</summary>
    public static Stream Open(Stream source, ImageFormat format, bool leaveOpen = false) => format switch
    {
        ImageFormat.Raw => source,
        // .NET's GZipStream reads concatenated members, as gzip -d does.
        ImageFormat.Gzip => new GZipStream(source, CompressionMode.Decompress, leaveOpen),
        ImageFormat.Zstd => ZstdNative.IsAvailable
            ? new ZstdDecompressStream(source, leaveOpen)
            : throw new ImageException(ImageErrorKind.Unsupported, "zstd image but libzstd.so.1 is not installed (Debian: libzstd1)"),
        ImageFormat.Xz => new XzDecompressStream(source, leaveOpen),
        _ => throw new ImageException(ImageErrorKind.InvalidImage, $"format {format} is not a stream format"),
    };
}
