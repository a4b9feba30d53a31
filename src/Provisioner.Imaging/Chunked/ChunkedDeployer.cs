using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Threading.Channels;
using Provisioner.Imaging.Compression;
using Provisioner.Imaging.Progress;
using Provisioner.Imaging.Streaming;
using Provisioner.Imaging.Targets;

namespace Provisioner.Imaging.Chunked;

/// <summary>
/// Deploys a chunked image: fetches non-zero chunks by HTTP range, several at once (bounded), verifies each chunk's
/// SHA-256 before writing it, leaves zero chunks as holes, retries a broken range with back-off (the rest of the image
/// is unaffected), records written chunks in a resume journal, and hashes the whole image in order for the final check.
/// Memory: (ParallelChunks + 1) chunk buffers.
/// </summary>
internal sealed class ChunkedDeployer(HttpClient http, ImageDeployOptions options)
{
    private static readonly byte[] Zeros = new byte[1 << 20];

    private sealed record Outcome(AlignedBuffer? Buffer, bool Reused);

    public async Task<ImageDeployResult> DeployAsync(ImageSpec spec, ITargetDevice target, ProgressMeter meter, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var indexUri = spec.IndexUrl ?? throw new ImageException(ImageErrorKind.InvalidImage, "chunked image spec has no index url");
        var indexBytes = await FetchIndexAsync(indexUri, ct).ConfigureAwait(false);
        string indexDigest = ChunkIndex.DigestOf(indexBytes);
        if (spec.IndexSha256 is { } wantIndex && !string.Equals(wantIndex, indexDigest, StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageException(ImageErrorKind.DigestMismatch,
                $"chunk index {indexUri}: expected sha256 {wantIndex.ToLowerInvariant()}, got {indexDigest}");
        }
        var index = ChunkIndex.Parse(indexBytes);
        if (!string.Equals(index.Sha256, spec.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageException(ImageErrorKind.DigestMismatch,
                $"chunk index {indexUri} describes image sha256 {index.Sha256}, expected {spec.Sha256.ToLowerInvariant()}");
        }
        if (spec.Size is { } size && size != index.ImageSize)
        {
            throw new ImageException(ImageErrorKind.InvalidImage, $"image size {size} in the spec, {index.ImageSize} in the index");
        }
        if (index.Compression == ChunkCompression.Zstd && !Native.ZstdNative.IsAvailable)
        {
            throw new ImageException(ImageErrorKind.Unsupported, "chunked image uses zstd but libzstd.so.1 is not installed (Debian: libzstd1)");
        }
        var dataUri = spec.Url switch
        {
            null => new Uri(indexUri, index.DataFile),
            { IsAbsoluteUri: true } u => u,
            var u => new Uri(indexUri, u),
        };
        IRangeSource source = dataUri.IsFile ? new FileRangeSource(dataUri.LocalPath) : new HttpRangeSource(http, dataUri);

        meter.Total = index.ImageSize;
        meter.ChunksTotal = index.Chunks.Count;
        using var journal = ResumeJournal.Open(options.JournalPath, indexDigest, index.Chunks.Count);
        await target.PrepareAsync(index.ImageSize, fresh: journal.Done.Count == 0, ct).ConfigureAwait(false);
        meter.Phase = journal.Done.Count > 0 ? ImagePhase.Revalidating : ImagePhase.Transferring;

        var run = new Run(index, source, target, journal, meter, options, dataUri);
        var digest = await run.ExecuteAsync(ct).ConfigureAwait(false);

        meter.Phase = ImagePhase.Verifying;
        await target.FlushAsync(ct).ConfigureAwait(false);
        if (!string.Equals(digest, spec.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ImageException(ImageErrorKind.DigestMismatch,
                $"image digest mismatch: expected sha256 {spec.Sha256.ToLowerInvariant()}, got {digest} (every chunk matched its own digest: the index is inconsistent)");
        }
        journal.Complete(options.JournalPath);
        meter.Phase = ImagePhase.Completed;
        meter.Sample();
        long zeroBytes = index.Chunks.Where(c => c.Zero).Sum(c => (long)c.RawLength);
        return new ImageDeployResult(digest, index.ImageSize, meter.Transferred, zeroBytes, Stopwatch.GetElapsedTime(started),
            run.Retries, run.Reused);
    }

    private async Task<byte[]> FetchIndexAsync(Uri indexUri, CancellationToken ct)
    {
        if (indexUri.IsFile)
        {
            return await File.ReadAllBytesAsync(indexUri.LocalPath, ct).ConfigureAwait(false);
        }
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await HttpRange.GetAsync(http, indexUri, 0, null, null, ct).ConfigureAwait(false);
                if (response.Content.Headers.ContentLength is > 64 << 20)
                {
                    throw new ImageException(ImageErrorKind.InvalidImage, $"chunk index {indexUri} is larger than 64 MiB");
                }
                return await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is TransientNetworkException or IOException or HttpRequestException)
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw new ImageException(ImageErrorKind.Network, $"GET {indexUri}: gave up after {attempt} attempts: {ex.Message}", ex);
                }
                await Backoff.WaitAsync(attempt, options, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One deploy's moving parts: dispatcher (in order, bounded by free buffers), workers, in-order hasher.</summary>
    private sealed class Run(ChunkIndex index, IRangeSource source, ITargetDevice target, ResumeJournal journal,
        ProgressMeter meter, ImageDeployOptions options, Uri dataUri)
    {
        private int _retries;
        private int _reused;

        public int Retries => Volatile.Read(ref _retries);

        public int Reused => Volatile.Read(ref _reused);

        public async Task<string> ExecuteAsync(CancellationToken ct)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            int slots = options.ParallelChunks + 1;
            int bufferSize = (index.ChunkSize + AlignedBuffer.Alignment - 1) / AlignedBuffer.Alignment * AlignedBuffer.Alignment;
            var free = Channel.CreateBounded<AlignedBuffer>(slots);
            var all = new List<AlignedBuffer>();
            var ordered = Channel.CreateUnbounded<Task<Outcome>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var inFlight = new List<Task>();
            using var workers = new SemaphoreSlim(options.ParallelChunks);

            var dispatcher = Task.Run(async () =>
            {
                try
                {
                    for (int i = 0; i < index.Chunks.Count; i++)
                    {
                        int chunk = i;
                        Task<Outcome> task;
                        if (index.Chunks[chunk].Zero)
                        {
                            task = ZeroAsync(chunk, cts.Token);
                        }
                        else
                        {
                            if (!free.Reader.TryRead(out var buffer))
                            {
                                if (all.Count < slots)
                                {
                                    buffer = new AlignedBuffer(bufferSize);
                                    lock (all)
                                    {
                                        all.Add(buffer);
                                    }
                                }
                                else
                                {
                                    buffer = await free.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
                                }
                            }
                            await workers.WaitAsync(cts.Token).ConfigureAwait(false);
                            task = Task.Run(async () =>
                            {
                                try
                                {
                                    return await ProcessAsync(chunk, buffer, cts.Token).ConfigureAwait(false);
                                }
                                finally
                                {
                                    workers.Release();
                                }
                            }, CancellationToken.None);
                        }
                        lock (inFlight)
                        {
                            inFlight.Add(task);
                        }
                        ordered.Writer.TryWrite(task);
                    }
                    ordered.Writer.TryComplete();
                }
                catch (Exception ex)
                {
                    ordered.Writer.TryComplete(ex);
                }
            }, CancellationToken.None);

            try
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                int i = 0;
                await foreach (var task in ordered.Reader.ReadAllAsync(cts.Token).ConfigureAwait(false))
                {
                    var outcome = await task.ConfigureAwait(false);
                    int rawLength = index.Chunks[i].RawLength;
                    if (outcome.Buffer is null)
                    {
                        for (int left = rawLength; left > 0; left -= Zeros.Length)
                        {
                            hash.AppendData(Zeros, 0, Math.Min(left, Zeros.Length));
                        }
                    }
                    else
                    {
                        hash.AppendData(outcome.Buffer.Span[..rawLength]);
                        free.Writer.TryWrite(outcome.Buffer);
                    }
                    meter.AddDone(rawLength);
                    meter.ChunkDone();
                    if (!outcome.Reused && meter.Phase == ImagePhase.Revalidating)
                    {
                        meter.Phase = ImagePhase.Transferring;
                    }
                    i++;
                }
                return Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            finally
            {
                await cts.CancelAsync().ConfigureAwait(false);
                await dispatcher.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                Task[] pending;
                lock (inFlight)
                {
                    pending = [.. inFlight];
                }
                // Workers write into the buffers and the target: all must stop before either goes away.
                await Task.WhenAll(pending).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                lock (all)
                {
                    foreach (var b in all)
                    {
                        ((IDisposable)b).Dispose();
                    }
                }
            }
        }

        private async Task<Outcome> ZeroAsync(int chunk, CancellationToken ct)
        {
            var entry = index.Chunks[chunk];
            await TargetCalls.ZeroAsync(target, index.RawOffset(chunk), entry.RawLength, ct).ConfigureAwait(false);
            return new Outcome(null, false);
        }

        private async Task<Outcome> ProcessAsync(int chunk, AlignedBuffer buffer, CancellationToken ct)
        {
            var entry = index.Chunks[chunk];
            long rawOffset = index.RawOffset(chunk);
            var raw = buffer.Memory[..entry.RawLength];
            if (journal.Done.Contains(chunk))
            {
                int n = await target.ReadAsync(rawOffset, raw, ct).ConfigureAwait(false);
                if (n == entry.RawLength && Matches(raw.Span, entry.Sha256))
                {
                    Interlocked.Increment(ref _reused);
                    return new Outcome(buffer, true);
                }
            }
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await FetchAsync(entry, raw, ct).ConfigureAwait(false);
                    break;
                }
                catch (TransientNetworkException ex)
                {
                    if (attempt >= options.MaxAttempts)
                    {
                        throw new ImageException(ImageErrorKind.Network,
                            $"chunk {chunk} (raw offset {rawOffset}, {dataUri} bytes {entry.Offset}-{entry.Offset + entry.Length - 1}): gave up after {attempt} attempts: {ex.Message}",
                            ex, rawOffset, chunk);
                    }
                    Interlocked.Increment(ref _retries);
                    await Backoff.WaitAsync(attempt, options, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException)
                {
                    throw new ImageException(ImageErrorKind.Corrupt,
                        $"chunk {chunk} (raw offset {rawOffset}, data offset {entry.Offset}) does not decompress: {ex.Message}",
                        ex, rawOffset, chunk);
                }
            }
            var actual = Convert.ToHexStringLower(SHA256.HashData(raw.Span));
            if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageException(ImageErrorKind.DigestMismatch,
                    $"chunk {chunk} (raw offset {rawOffset}): expected sha256 {entry.Sha256.ToLowerInvariant()}, got {actual}",
                    offset: rawOffset, chunk: chunk);
            }
            await WriteSparseAsync(rawOffset, raw, ct).ConfigureAwait(false);
            journal.Record(chunk);
            return new Outcome(buffer, false);
        }

        /// <summary>Writes a verified chunk, leaving its all-zero 1 MiB runs as holes / zeroed ranges: a chunk that is
        /// mostly free space costs only the writes of its data.</summary>
        private async Task WriteSparseAsync(long rawOffset, ReadOnlyMemory<byte> raw, CancellationToken ct)
        {
            const int Segment = 1 << 20;
            int runStart = 0;
            while (runStart < raw.Length)
            {
                bool runIsZero = IsZero(raw.Span, runStart);
                int pos = runStart;
                while (pos < raw.Length && IsZero(raw.Span, pos) == runIsZero)
                {
                    pos = Math.Min(pos + Segment, raw.Length);
                }
                var run = raw[runStart..pos];
                if (runIsZero)
                {
                    await TargetCalls.ZeroAsync(target, rawOffset + runStart, run.Length, ct).ConfigureAwait(false);
                }
                else
                {
                    await TargetCalls.WriteAsync(target, rawOffset + runStart, run, ct).ConfigureAwait(false);
                }
                runStart = pos;
            }

            static bool IsZero(ReadOnlySpan<byte> data, int at) => data.Slice(at, Math.Min(Segment, data.Length - at)).IndexOfAnyExcept((byte)0) < 0;
        }

        private async Task FetchAsync(ChunkEntry entry, Memory<byte> raw, CancellationToken ct)
        {
            var body = await source.OpenAsync(entry.Offset, entry.Length, ct).ConfigureAwait(false);
            await using var bounded = new BoundedStream(body, entry.Length, meter.AddTransferred);
            await using Stream decoder = index.Compression switch
            {
                ChunkCompression.Zstd => new ZstdDecompressStream(bounded, leaveOpen: true, inputBufferSize: 256 * 1024),
                _ => new GZipStream(bounded, CompressionMode.Decompress, leaveOpen: true),
            };
            int filled = 0;
            while (filled < raw.Length)
            {
                int n = await decoder.ReadAsync(raw[filled..], ct).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new InvalidDataException($"decompresses to {filled} bytes, the index says {raw.Length}");
                }
                filled += n;
            }
            var probe = new byte[1];
            if (await decoder.ReadAsync(probe, ct).ConfigureAwait(false) != 0)
            {
                throw new InvalidDataException($"decompresses to more than the {raw.Length} bytes the index says");
            }
        }

        private static bool Matches(ReadOnlySpan<byte> data, string sha256)
            => string.Equals(Convert.ToHexStringLower(SHA256.HashData(data)), sha256, StringComparison.OrdinalIgnoreCase);
    }
}
