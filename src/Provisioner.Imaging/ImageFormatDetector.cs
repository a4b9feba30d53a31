namespace Provisioner.Imaging;

/// <summary>Recognises an image format from its first bytes.</summary>
public static class ImageFormatDetector
{
    /// <summary>Bytes needed for a reliable answer.</summary>
    public const int PrefixLength = 512;

    /// <summary>Returns the format the prefix starts with; <see cref="ImageFormat.Raw"/> when nothing matches.</summary>
    public static ImageFormat Detect(ReadOnlySpan<byte> prefix)
    {
        // RFC 1952 §2.3.1: ID1 ID2 = 1f 8b, CM = 8 (deflate)
        if (prefix.Length >= 3 && prefix[0] == 0x1F && prefix[1] == 0x8B && prefix[2] == 0x08)
        {
            return ImageFormat.Gzip;
        }
        // RFC 8878 §3.1.1: magic 0xFD2FB528 little-endian; skippable frames 0x184D2A5? also start a zstd stream.
        if (prefix.Length >= 4 && prefix[1] == 0xB5 && prefix[2] == 0x2F && prefix[3] == 0xFD && prefix[0] == 0x28)
        {
            return ImageFormat.Zstd;
        }
        if (prefix.Length >= 4 && (prefix[0] & 0xF0) == 0x50 && prefix[1] == 0x2A && prefix[2] == 0x4D && prefix[3] == 0x18)
        {
            return ImageFormat.Zstd;
        }
        // xz file format §2.1.1.1: FD '7' 'z' 'X' 'Z' 00
        if (prefix.StartsWith((ReadOnlySpan<byte>)[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]))
        {
            return ImageFormat.Xz;
        }
        if (Chunked.ChunkIndex.LooksLikeIndex(prefix))
        {
            return ImageFormat.Chunked;
        }
        return ImageFormat.Raw;
    }

    /// <summary>Reads up to <see cref="PrefixLength"/> bytes of a file and detects its format.</summary>
    public static ImageFormat DetectFile(string path)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        using var handle = File.OpenHandle(path);
        int n = RandomAccess.Read(handle, prefix, 0);
        return Detect(prefix[..n]);
    }
}
