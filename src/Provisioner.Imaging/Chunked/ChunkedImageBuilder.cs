using System.IO.Compression;
using System.Security.Cryptography;
using Provisioner.Imaging.Compression;
using Provisioner.Imaging.Native;
using Provisioner.Imaging.Progress;

namespace Provisioner.Imaging.Chunked;

/// <summary>
/// Turns a raw/gzip/zstd/xz disk image into the chunked format (docs/imaging.md): the raw image cut into fixed chunks,
/// each compressed as an independent frame into one data file, zero chunks listed but not stored, and an index with
/// per-chunk and whole-image SHA-256. Chunks are compressed in parallel and written in order; the files appear under
/// their final names only when complete (written as *.tmp, then renamed).
/// </summary>
public static class ChunkedImageBuilder
{
    /// <summary>Imports <paramref name="inputPath"/> into <paramref name="outputDirectory"/>.</summary>
    public static async Task<ChunkedImportResult> ImportAsync(string inputPath, string outputDirectory, ChunkedImageOptions? options,
        IProgress<ImageProgress>? progress, CancellationToken ct)
    {
        options ??= new ChunkedImageOptions();
        if (options.ChunkSize < 4096 || options.ChunkSize % 4096 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ChunkSize, "ChunkSize must be a positive multiple of 4096");
        }
        var compression = options.Compression ?? (ZstdNative.IsAvailable ? ChunkCompression.Zstd : ChunkCompression.Gzip);
        if (compression == ChunkCompression.Zstd && !ZstdNative.IsAvailable)
        {
            throw new ImageException(ImageErrorKind.Unsupported, "zstd chunks requested but libzstd.so.1 is not installed (Debian: libzstd1)");
        }
        Directory.CreateDirectory(outputDirectory);
        var format = ImageFormatDetector.DetectFile(inputPath);
        if (format == ImageFormat.Chunked)
        {
            throw new ImageException(ImageErrorKind.InvalidImage, $"{inputPath} is already a chunk index");
        }
        long inputLength = new FileInfo(inputPath).Length;
        string dataPath = Path.Combine(outputDirectory, options.DataFileName);
        string indexPath = Path.Combine(outputDirectory, options.IndexFileName);

        await using var meter = new ProgressMeter(progress, options.TimeProvider, options.ProgressInterval,
            format == ImageFormat.Raw ? inputLength : null, 0) { Phase = ImagePhase.Transferring };
        var entries = new List<ChunkEntry>();
        long imageSize = 0;
        long dataSize = 0;
        string sha256;

        await using (var input = new FileStream(inputPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan))
        await using (var raw = Decompressors.Open(input, format, leaveOpen: true))
        await using (var data = new FileStream(dataPath + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var queue = new Queue<Task<Compressed>>();
            try
            {
                while (true)
                {
                    var chunk = GC.AllocateUninitializedArray<byte>(options.ChunkSize);
                    int length = await ReadFullAsync(raw, chunk, imageSize, ct).ConfigureAwait(false);
                    if (length == 0)
                    {
                        break;
                    }
                    whole.AppendData(chunk, 0, length);
                    imageSize += length;
                    queue.Enqueue(Task.Run(() => CompressChunk(chunk, length, compression, options.Level), ct));
                    if (queue.Count >= options.Parallelism)
                    {
                        dataSize = await DrainOneAsync(queue, entries, data, dataSize, meter, ct).ConfigureAwait(false);
                    }
                    if (length < chunk.Length)
                    {
                        break;
                    }
                }
                while (queue.Count > 0)
                {
                    dataSize = await DrainOneAsync(queue, entries, data, dataSize, meter, ct).ConfigureAwait(false);
                }
            }
            finally
            {
                // Never leave compression tasks running against buffers we are abandoning.
                await Task.WhenAll(queue.ToArray<Task>()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            await data.FlushAsync(ct).ConfigureAwait(false);
            data.Flush(flushToDisk: true);
            sha256 = Convert.ToHexStringLower(whole.GetHashAndReset());
        }

        var index = new ChunkIndex
        {
            ChunkSize = options.ChunkSize,
            ImageSize = imageSize,
            Sha256 = sha256,
            Compression = compression,
            DataFile = options.DataFileName,
            DataSize = dataSize,
            Chunks = entries,
        };
        index.Validate();
        var json = index.ToUtf8Json();
        await File.WriteAllBytesAsync(indexPath + ".tmp", json, ct).ConfigureAwait(false);
        File.Move(dataPath + ".tmp", dataPath, overwrite: true);
        File.Move(indexPath + ".tmp", indexPath, overwrite: true);
        meter.Phase = ImagePhase.Completed;
        meter.Total = imageSize;
        meter.Sample();
        return new ChunkedImportResult(indexPath, dataPath, index, ChunkIndex.DigestOf(json), format);
    }

    private sealed record Compressed(byte[]? Data, int DataLength, int RawLength, string Sha256);

    private static async Task<int> ReadFullAsync(Stream raw, byte[] chunk, long offset, CancellationToken ct)
    {
        int length = 0;
        try
        {
            while (length < chunk.Length)
            {
                int n = await raw.ReadAsync(chunk.AsMemory(length), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                length += n;
            }
            return length;
        }
        catch (EndOfStreamException ex)
        {
            throw new ImageException(ImageErrorKind.Truncated, $"input truncated at raw offset {offset + length}: {ex.Message}", ex, offset + length);
        }
        catch (InvalidDataException ex)
        {
            throw new ImageException(ImageErrorKind.Corrupt, $"input does not decompress at raw offset {offset + length}: {ex.Message}", ex, offset + length);
        }
    }

    private static Compressed CompressChunk(byte[] chunk, int length, ChunkCompression compression, int level)
    {
        var span = chunk.AsSpan(0, length);
        string sha = Convert.ToHexStringLower(SHA256.HashData(span));
        if (span.IndexOfAnyExcept((byte)0) < 0)
        {
            return new Compressed(null, 0, length, sha);
        }
        if (compression == ChunkCompression.Zstd)
        {
            var output = GC.AllocateUninitializedArray<byte>(ZstdBlockCompressor.MaxCompressedLength(length));
            using var zstd = new ZstdBlockCompressor();
            int n = zstd.Compress(span, output, level);
            return new Compressed(output, n, length, sha);
        }
        using var ms = new MemoryStream(length / 2 + 1024);
        var gzLevel = level <= 1 ? CompressionLevel.Fastest : level >= 9 ? CompressionLevel.SmallestSize : CompressionLevel.Optimal;
        using (var gz = new GZipStream(ms, gzLevel, leaveOpen: true))
        {
            gz.Write(span);
        }
        return new Compressed(ms.GetBuffer(), (int)ms.Length, length, sha);
    }

    private static async Task<long> DrainOneAsync(Queue<Task<Compressed>> queue, List<ChunkEntry> entries, FileStream data,
        long dataSize, ProgressMeter meter, CancellationToken ct)
    {
        var c = await queue.Dequeue().ConfigureAwait(false);
        if (c.Data is null)
        {
            entries.Add(new ChunkEntry(0, 0, c.RawLength, c.Sha256, Zero: true));
        }
        else
        {
            await data.WriteAsync(c.Data.AsMemory(0, c.DataLength), ct).ConfigureAwait(false);
            entries.Add(new ChunkEntry(dataSize, c.DataLength, c.RawLength, c.Sha256));
            dataSize += c.DataLength;
        }
        meter.AddDone(c.RawLength);
        meter.AddTransferred(c.DataLength);
        meter.ChunkDone();
        return dataSize;
    }
}
