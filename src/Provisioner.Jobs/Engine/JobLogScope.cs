using System.Collections;

namespace Provisioner.Jobs.Engine;

/// <summary>
/// The logging scope of a running job: key/value pairs for structured (JSON) logs, and a short readable form for the
/// plain console ("job deploy 0123… node 4567…") instead of a dictionary's type name.
/// </summary>
internal sealed class JobLogScope(JobRecord job) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _items =
    [
        new("JobId", job.Id),
        new("NodeId", job.NodeId),
        new("JobKind", job.Kind),
    ];

    public int Count => _items.Length;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => job.NodeId is { } node ? $"job {job.Kind} {job.Id} node {node}" : $"job {job.Kind} {job.Id}";
}
