namespace Provisioner.Imaging.Chunked;

/// <summary>How <see cref="ChunkedImageBuilder"/> cuts and compresses an image.</summary>
public sealed class ChunkedImageOptions
{
    /// <summary>Raw bytes per chunk: a multiple of 4096 (64 MiB by default: few ranges, moderate memory on the node).</summary>
    public int ChunkSize { get; set; } = 64 << 20;

    /// <summary>Per-chunk compression; null picks zstd when libzstd.so.1 loads, else gzip.</summary>
    public ChunkCompression? Compression { get; set; }

    /// <summary>zstd level (1-19; 3 is zstd's default) or gzip level mapped to Fastest/Optimal/SmallestSize.</summary>
    public int Level { get; set; } = 3;

    /// <summary>Chunks compressed at once.</summary>
    public int Parallelism { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Data file name inside the output directory.</summary>
    public string DataFileName { get; set; } = "image.chunks";

    /// <summary>Index file name inside the output directory.</summary>
    public string IndexFileName { get; set; } = "index.json";

    /// <summary>Progress sampling interval.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock for progress.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>What an import produced.</summary>
/// <param name="IndexPath">The index file.</param>
/// <param name="DataPath">The chunk data file.</param>
/// <param name="Index">The index written.</param>
/// <param name="IndexSha256">Hex SHA-256 of the index file (for <see cref="ImageSpec.IndexSha256"/>).</param>
/// <param name="SourceFormat">What the input was (detected from magic bytes).</param>
public sealed record ChunkedImportResult(string IndexPath, string DataPath, ChunkIndex Index, string IndexSha256, ImageFormat SourceFormat);
