using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace Provisioner.Imaging.Targets;

/// <summary>
/// One dedicated thread doing the target's blocking pwrite calls. On Linux, <see cref="RandomAccess.WriteAsync(SafeFileHandle, ReadOnlyMemory{byte}, long, CancellationToken)"/>
/// on a regular handle blocks a thread-pool thread for the whole write. With a pool sized to the core count, and the
/// pool's other threads busy decompressing and hashing, that starves the pipeline: the pool adds threads only every
/// half second or so. A writer of its own keeps disk waits off the pool, and writes stay in submission order.
/// </summary>
internal sealed class WriterThread : IDisposable
{
    private readonly BlockingCollection<Request> _queue = new(boundedCapacity: 64);
    private readonly Thread _thread;

    private sealed record Request(SafeFileHandle Handle, ReadOnlyMemory<byte> Data, long Offset, TaskCompletionSource Done);

    public WriterThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public Task WriteAsync(SafeFileHandle handle, ReadOnlyMemory<byte> data, long offset)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(new Request(handle, data, offset, done));
        return done.Task;
    }

    private void Run()
    {
        foreach (var r in _queue.GetConsumingEnumerable())
        {
            try
            {
                RandomAccess.Write(r.Handle, r.Data.Span, r.Offset);
                r.Done.SetResult();
            }
            catch (Exception ex)
            {
                r.Done.SetException(ex);
            }
        }
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}
