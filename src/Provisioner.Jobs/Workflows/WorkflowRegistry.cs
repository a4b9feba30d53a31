using System.Collections.Frozen;

namespace Provisioner.Jobs.Workflows;

/// <summary>The workflows an appliance can run, frozen by kind.</summary>
public sealed class WorkflowRegistry
{
    private readonly FrozenDictionary<string, IJobWorkflow> _byKind;

    public WorkflowRegistry(IEnumerable<IJobWorkflow> workflows)
    {
        var map = new Dictionary<string, IJobWorkflow>(StringComparer.Ordinal);
        foreach (var w in workflows)
        {
            if (!map.TryAdd(w.Kind, w))
            {
                throw new ArgumentException($"Two workflows have the kind '{w.Kind}'.", nameof(workflows));
            }
        }

        _byKind = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Kinds => _byKind.Keys;

    public bool TryGet(string kind, out IJobWorkflow workflow) => _byKind.TryGetValue(kind, out workflow!);

    public IJobWorkflow Get(string kind) =>
        _byKind.TryGetValue(kind, out var w)
            ? w
            : throw new JobRejectedException($"Unknown job kind '{kind}'. Known: {string.Join(", ", _byKind.Keys.Order(StringComparer.Ordinal))}.");
}
