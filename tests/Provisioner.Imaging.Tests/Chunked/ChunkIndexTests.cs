using System.Text;
using Provisioner.Imaging.Chunked;

namespace Provisioner.Imaging.Tests.Chunked;

[Trait("Area", "Imaging")]
public sealed class ChunkIndexTests
{
    private static readonly string H = new('a', 64);

    private static ChunkIndex Sample() => new()
    {
        ChunkSize = 8192,
        ImageSize = 20000,
        Sha256 = H,
        Compression = ChunkCompression.Zstd,
        DataFile = "image.chunks",
        DataSize = 300,
        Chunks = [new ChunkEntry(0, 100, 8192, H), new ChunkEntry(0, 0, 8192, H, Zero: true), new ChunkEntry(100, 200, 3616, H)],
    };

    [Fact]
    public void Parse_RoundTrip_KeepsEveryField()
    {
        var index = Sample();

        var parsed = ChunkIndex.Parse(index.ToUtf8Json());

        Assert.Equal(index.ImageSize, parsed.ImageSize);
        Assert.Equal(index.Chunks, parsed.Chunks);
        Assert.Equal(ChunkCompression.Zstd, parsed.Compression);
        Assert.Equal(8192 * 2, parsed.RawOffset(2));
    }

    [Fact]
    public void ToUtf8Json_UsesDocumentedCamelCaseNamesAndLowercaseCompression()
    {
        var json = Encoding.UTF8.GetString(Sample().ToUtf8Json());

        Assert.StartsWith("{\"format\":\"provisioner-chunked-image\",\"version\":1,", json, StringComparison.Ordinal);
        Assert.Contains("\"compression\":\"zstd\"", json, StringComparison.Ordinal);
        Assert.Contains("\"rawLength\":8192", json, StringComparison.Ordinal);
        Assert.Contains("\"zero\":true", json, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadIndexes => new()
    {
        { Encoding.UTF8.GetString((Sample() with { Format = "other" }).ToUtf8Json()), "format is 'other'" },
        { "{\"format\":\"provisioner-chunked-image\",\"version\":1}", "not valid JSON" },
        { Encoding.UTF8.GetString((Sample() with { Version = 2 }).ToUtf8Json()), "version 2" },
        { Encoding.UTF8.GetString((Sample() with { ChunkSize = 1000 }).ToUtf8Json()), "chunkSize" },
        { Encoding.UTF8.GetString((Sample() with { ImageSize = 30000 }).ToUtf8Json()), "chunks listed" },
        { Encoding.UTF8.GetString((Sample() with { DataSize = 250 }).ToUtf8Json()), "outside the data file" },
        { Encoding.UTF8.GetString((Sample() with { DataFile = "../etc/passwd" }).ToUtf8Json()), "dataFile" },
        { Encoding.UTF8.GetString((Sample() with { Sha256 = "xyz" }).ToUtf8Json()), "sha256" },
        { "{not json", "not valid JSON" },
        { "null", "empty" },
    };

    [Theory]
    [MemberData(nameof(BadIndexes))]
    public void Parse_InvalidIndex_ThrowsInvalidImageNamingTheProblem(string json, string expected)
    {
        var ex = Assert.Throws<ImageException>(() => ChunkIndex.Parse(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(ImageErrorKind.InvalidImage, ex.Kind);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ChunkWithWrongRawLength_Throws()
    {
        var index = Sample() with { Chunks = [new ChunkEntry(0, 100, 8192, H), new ChunkEntry(0, 0, 8192, H, true), new ChunkEntry(100, 200, 4000, H)] };

        var ex = Assert.Throws<ImageException>(() => ChunkIndex.Parse(index.ToUtf8Json()));

        Assert.Contains("chunk 2", ex.Message, StringComparison.Ordinal);
    }
}
