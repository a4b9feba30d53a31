using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Provisioner.Imaging.Compression;
using Provisioner.Imaging.Progress;
using Provisioner.Imaging.Targets;

namespace Provisioner.Imaging.Streaming;

/// <summary>
/// Writes a raw/gzip/zstd/xz stream to a target as a three-stage pipeline:
/// (1) network read-ahead into a pipe, (2) decompression into aligned blocks, (3) SHA-256 of each block on this task
/// while the same block is written on the thread pool. Bounded buffers between stages let the slowest stage set the pace.
/// All-zero blocks are not written (holes on files, <see cref="ZeroMode"/> on disks) but are hashed.
/// </summary>
internal sealed class StreamingDeployer
{
    private readonly ImageDeployOptions _options;

    public StreamingDeployer(ImageDeployOptions options) => _options = options;

    private readonly record struct Block(AlignedBuffer Buffer, int Length, long Offset);

    public async Task<ImageDeployResult> DeployAsync(Stream compressed, ImageFormat format, string expectedSha256, long? size,
        ITargetDevice target, ProgressMeter meter, Func<int> retries, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await target.PrepareAsync(size ?? 0, fresh: true, ct).ConfigureAwait(false);
        meter.Phase = ImagePhase.Transferring;

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        int depth = _options.PipelineDepth;
        var free = Channel.CreateBounded<AlignedBuffer>(depth + 2);
        var filled = Channel.CreateBounded<Block>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        var buffers = new List<AlignedBuffer>();
        for (int i = 0; i < depth + 2; i++)
        {
            var b = new AlignedBuffer(_options.BlockSize);
            buffers.Add(b);
            free.Writer.TryWrite(b);
        }

        // Raw images need no decompression stage, so no read-ahead pipe either: the block reader drives the socket.
        await using var readAhead = format == ImageFormat.Raw ? null : new ReadAheadStream(compressed, 8 * 1024 * 1024, cts.Token);
        var raw = Decompressors.Open(readAhead?.Stream ?? compressed, format, leaveOpen: true);
        Task<long>? producer = null;
        try
        {
            producer = Task.Run(() => ProduceAsync(raw, size, target, free.Reader, filled.Writer, cts), cts.Token);
            (string Digest, long ZeroBytes) consumed;
            try
            {
                consumed = await ConsumeAsync(target, filled.Reader, free.Writer, meter, cts).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // The producer failed and cancelled us: its exception is the one worth reporting.
                await producer.ConfigureAwait(false);
                throw;
            }
            long total = await producer.ConfigureAwait(false);
            var (digest, zeroBytes) = consumed;

            meter.Phase = ImagePhase.Verifying;
            if (size is null)
            {
                // The length was unknown up front: a trailing zero run was skipped, so give the file its full length now.
                await target.PrepareAsync(total, fresh: false, ct).ConfigureAwait(false);
            }
            await target.FlushAsync(ct).ConfigureAwait(false);
            if (!string.Equals(digest, expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ImageException(ImageErrorKind.DigestMismatch,
                    $"image digest mismatch: expected sha256 {expectedSha256.ToLowerInvariant()}, got {digest} over {total} bytes");
            }
            meter.Phase = ImagePhase.Completed;
            meter.Sample();
            return new ImageDeployResult(digest, total, meter.Transferred, zeroBytes, Stopwatch.GetElapsedTime(started), retries(), 0);
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            if (producer is not null)
            {
                // The producer writes into native buffers: it must be finished before they are freed.
                await ((Task)producer).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            await raw.DisposeAsync().ConfigureAwait(false);
            foreach (var b in buffers)
            {
                ((IDisposable)b).Dispose();
            }
        }
    }

    /// <summary>Decompresses into full blocks; returns the raw byte count.</summary>
    private static async Task<long> ProduceAsync(Stream raw, long? size, ITargetDevice target, ChannelReader<AlignedBuffer> free,
        ChannelWriter<Block> filled, CancellationTokenSource cts)
    {
        long offset = 0;
        try
        {
            while (true)
            {
                var buffer = await free.ReadAsync(cts.Token).ConfigureAwait(false);
                int length = 0;
                try
                {
                    while (length < buffer.Length)
                    {
                        int n = await raw.ReadAsync(buffer.Memory[length..], cts.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }
                        length += n;
                    }
                }
                catch (EndOfStreamException ex)
                {
                    throw new ImageException(ImageErrorKind.Truncated,
                        $"image stream truncated at raw offset {offset + length}: {ex.Message}", ex, offset + length);
                }
                catch (InvalidDataException ex)
                {
                    throw new ImageException(ImageErrorKind.Corrupt,
                        $"image does not decompress at raw offset {offset + length}: {ex.Message}", ex, offset + length);
                }
                if (length == 0)
                {
                    break;
                }
                if (size is { } s && offset + length > s)
                {
                    throw new ImageException(ImageErrorKind.InvalidImage, $"image is larger than its stated size of {s} bytes", offset: s);
                }
                if (target.Capacity is { } cap && offset + length > cap)
                {
                    throw new ImageException(ImageErrorKind.TargetTooSmall,
                        $"target {target.Path} holds {cap} bytes but the image continues past that (at raw offset {offset + length})", offset: cap);
                }
                await filled.WriteAsync(new Block(buffer, length, offset), cts.Token).ConfigureAwait(false);
                offset += length;
                if (length < buffer.Length)
                {
                    break;
                }
            }
            if (size is { } expected && offset != expected)
            {
                throw new ImageException(ImageErrorKind.Truncated,
                    $"image stream ended at raw offset {offset}, {expected - offset} bytes short of its stated size {expected}", offset: offset);
            }
            filled.Complete();
            return offset;
        }
        catch (Exception ex)
        {
            filled.TryComplete(ex);
            await cts.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Hashes each block while it is being written; returns the hex digest and the zero bytes not written.</summary>
    private static async Task<(string Digest, long ZeroBytes)> ConsumeAsync(ITargetDevice target, ChannelReader<Block> filled,
        ChannelWriter<AlignedBuffer> free, ProgressMeter meter, CancellationTokenSource cts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long zeroBytes = 0;
        try
        {
            while (await filled.WaitToReadAsync(cts.Token).ConfigureAwait(false))
            {
                while (filled.TryRead(out var block))
                {
                    var data = block.Buffer.Memory[..block.Length];
                    Task write;
                    if (data.Span.IndexOfAnyExcept((byte)0) < 0)
                    {
                        zeroBytes += block.Length;
                        write = TargetCalls.ZeroAsync(target, block.Offset, block.Length, cts.Token);
                    }
                    else
                    {
                        write = TargetCalls.WriteAsync(target, block.Offset, data, cts.Token);
                    }
                    hash.AppendData(data.Span);
                    await write.ConfigureAwait(false);
                    meter.AddDone(block.Length);
                    free.TryWrite(block.Buffer);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cts.IsCancellationRequested)
        {
            await cts.CancelAsync().ConfigureAwait(false);
            throw;
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), zeroBytes);
    }
}
