using System.Collections.Concurrent;

namespace Provisioner.Imaging.Tests.Support;

/// <summary>Collects progress reports synchronously (IProgress without a synchronization context).</summary>
internal sealed class Recorder : IProgress<ImageProgress>
{
    private readonly ConcurrentQueue<ImageProgress> _reports = new();

    public IReadOnlyList<ImageProgress> Reports => [.. _reports];

    public void Report(ImageProgress value) => _reports.Enqueue(value);
}
