using System.IO.Pipelines;

namespace Provisioner.Imaging.Streaming;

/// <summary>
/// Runs the network read on its own task into a bounded pipe, so receiving overlaps decompression: the decompressor
/// reads from the pipe while the next socket read is already in flight.
/// </summary>
internal sealed class ReadAheadStream : IAsyncDisposable
{
    private readonly Pipe _pipe;
    private readonly Task _pump;
    private readonly CancellationTokenSource _cts;

    public ReadAheadStream(Stream source, int bufferBytes, CancellationToken ct)
    {
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: bufferBytes, resumeWriterThreshold: bufferBytes / 2,
            minimumSegmentSize: 256 * 1024, useSynchronizationContext: false));
        _cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _pump = PumpAsync(source, _pipe.Writer, _cts.Token);
        Stream = _pipe.Reader.AsStream();
    }

    public Stream Stream { get; }

    private static async Task PumpAsync(Stream source, PipeWriter writer, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(256 * 1024);
                int n = await source.ReadAsync(memory, ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                writer.Advance(n);
                var flush = await writer.FlushAsync(ct).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The reader side rethrows this exception, so the original error (e.g. ImageException Network) surfaces.
            await writer.CompleteAsync(ex).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync().ConfigureAwait(false);
        await _pipe.Reader.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _cts.Dispose();
    }
}
