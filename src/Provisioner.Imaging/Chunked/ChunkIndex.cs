using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Provisioner.Imaging.Chunked;

/// <summary>How each stored chunk is compressed.</summary>
public enum ChunkCompression
{
    /// <summary>Each chunk is one independent zstd frame.</summary>
    [JsonStringEnumMemberName("zstd")]
    Zstd,
    /// <summary>Each chunk is one independent gzip member (used when libzstd is unavailable).</summary>
    [JsonStringEnumMemberName("gzip")]
    Gzip,
}

/// <summary>One chunk of the raw image.</summary>
/// <param name="Offset">Byte offset of the compressed chunk in the data file (0 for zero chunks).</param>
/// <param name="Length">Compressed length in the data file (0 for zero chunks).</param>
/// <param name="RawLength">Raw length (the chunk size, except possibly for the last chunk).</param>
/// <param name="Sha256">Hex SHA-256 of the raw chunk bytes.</param>
/// <param name="Zero">True when the raw chunk is all zeros: nothing is stored, the deployer leaves a hole.</param>
public sealed record ChunkEntry(long Offset, long Length, int RawLength, string Sha256, bool Zero = false);

/// <summary>
/// The index of a chunked image (docs/imaging.md, "Chunked image format"): version, chunk size, the raw image size and
/// digest, the data file name, and one <see cref="ChunkEntry"/> per chunk in image order.
/// </summary>
public sealed record ChunkIndex
{
    /// <summary>Value of <see cref="Format"/>; identifies our index among JSON files.</summary>
    public const string FormatName = "provisioner-chunked-image";

    /// <summary>The version this code writes and the highest it reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;
    /// <summary>Index version; readers refuse versions above <see cref="CurrentVersion"/>.</summary>
    public int Version { get; init; } = CurrentVersion;
    /// <summary>Raw bytes per chunk (every chunk but the last).</summary>
    public required int ChunkSize { get; init; }
    /// <summary>Raw image size in bytes.</summary>
    public required long ImageSize { get; init; }
    /// <summary>Hex SHA-256 of the whole raw image.</summary>
    public required string Sha256 { get; init; }
    /// <summary>Per-chunk compression.</summary>
    public required ChunkCompression Compression { get; init; }
    /// <summary>File name of the data file, relative to the index.</summary>
    public required string DataFile { get; init; }
    /// <summary>Size of the data file.</summary>
    public required long DataSize { get; init; }
    /// <summary>Chunks in image order.</summary>
    public required IReadOnlyList<ChunkEntry> Chunks { get; init; }

    /// <summary>Raw offset of chunk <paramref name="i"/>.</summary>
    public long RawOffset(int i) => (long)i * ChunkSize;

    /// <summary>Serialises to UTF-8 JSON (source-generated, trim-safe).</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, ChunkIndexJsonContext.Default.ChunkIndex);

    /// <summary>Writes the index to a file.</summary>
    public async Task WriteAsync(string path, CancellationToken ct = default)
        => await File.WriteAllBytesAsync(path, ToUtf8Json(), ct).ConfigureAwait(false);

    /// <summary>Parses and validates an index; throws <see cref="ImageException"/> (InvalidImage) naming the problem.</summary>
    public static ChunkIndex Parse(ReadOnlySpan<byte> utf8Json)
    {
        ChunkIndex? index;
        try
        {
            index = JsonSerializer.Deserialize(utf8Json, ChunkIndexJsonContext.Default.ChunkIndex);
        }
        catch (JsonException ex)
        {
            throw new ImageException(ImageErrorKind.InvalidImage, $"chunk index is not valid JSON: {ex.Message}", ex);
        }
        if (index is null)
        {
            throw new ImageException(ImageErrorKind.InvalidImage, "chunk index is empty");
        }
        index.Validate();
        return index;
    }

    /// <summary>Reads and validates an index file.</summary>
    public static async Task<ChunkIndex> ReadAsync(string path, CancellationToken ct = default)
        => Parse(await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false));

    /// <summary>Hex SHA-256 of the serialized index bytes (what <see cref="ImageSpec.IndexSha256"/> holds).</summary>
    public static string DigestOf(ReadOnlySpan<byte> utf8Json) => Convert.ToHexStringLower(SHA256.HashData(utf8Json));

    /// <summary>Checks every structural invariant a deployer relies on.</summary>
    public void Validate()
    {
        static ImageException Bad(string what) => new(ImageErrorKind.InvalidImage, "chunk index: " + what);
        if (Format != FormatName)
        {
            throw Bad($"format is '{Format}', expected '{FormatName}'");
        }
        if (Version < 1 || Version > CurrentVersion)
        {
            throw Bad($"version {Version} is not supported (this reader knows 1..{CurrentVersion})");
        }
        if (ChunkSize < 4096 || ChunkSize % 4096 != 0)
        {
            throw Bad($"chunkSize {ChunkSize} must be a positive multiple of 4096");
        }
        if (ImageSize < 0 || !IsSha256(Sha256) || Chunks is null || string.IsNullOrEmpty(DataFile)
            || DataFile.Contains('/', StringComparison.Ordinal) || DataFile.Contains('\\', StringComparison.Ordinal) || DataFile.StartsWith('.'))
        {
            throw Bad("imageSize, sha256, dataFile (a plain file name) and chunks are required");
        }
        long expectedChunks = (ImageSize + ChunkSize - 1) / ChunkSize;
        if (Chunks.Count != expectedChunks)
        {
            throw Bad($"{Chunks.Count} chunks listed, {expectedChunks} needed for {ImageSize} bytes");
        }
        for (int i = 0; i < Chunks.Count; i++)
        {
            var c = Chunks[i];
            long rawExpected = Math.Min(ChunkSize, ImageSize - RawOffset(i));
            if (c is null || c.RawLength != rawExpected || !IsSha256(c.Sha256))
            {
                throw Bad($"chunk {i}: rawLength must be {rawExpected} with a hex sha256");
            }
            if (c.Zero ? c.Length != 0 : c.Length <= 0 || c.Offset < 0 || c.Offset + c.Length > DataSize)
            {
                throw Bad($"chunk {i}: offset {c.Offset} length {c.Length} is outside the data file ({DataSize} bytes)");
            }
        }
    }

    internal static bool IsSha256(string? hex)
        => hex is { Length: 64 } && hex.AsSpan().IndexOfAnyExcept("0123456789abcdefABCDEF") < 0;

    /// <summary>True when a file prefix looks like an index (JSON naming our format).</summary>
    public static bool LooksLikeIndex(ReadOnlySpan<byte> prefix)
    {
        var trimmed = prefix.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'{' && prefix.IndexOf(Encoding.UTF8.GetBytes(FormatName)) >= 0;
    }
}

/// <summary>Source-generated serializer for the index (the agent is trimmed: no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ChunkIndex))]
internal sealed partial class ChunkIndexJsonContext : JsonSerializerContext;
