using System.Text;

namespace Provisioner.Core.Lifecycle;

/// <summary>Renders <see cref="NodeLifecycle.Transitions"/> as a Mermaid state diagram (docs/lifecycle.md is generated from it).</summary>
public static class NodeLifecycleDiagram
{
    public static string ToMermaid()
    {
        var sb = new StringBuilder();
        sb.Append("stateDiagram-v2\n");
        sb.Append("    [*] --> New : enlist\n");
        foreach (var (from, action, to) in NodeLifecycle.Transitions)
        {
            sb.Append("    ").Append(from).Append(" --> ").Append(to).Append(" : ").Append(action).Append('\n');
        }

        foreach (var (state, info) in NodeLifecycle.States.OrderBy(s => (int)s.Key))
        {
            if (!info.Stable)
            {
                sb.Append("    note right of ").Append(state).Append(" : transitional (a job runs), aims at ").Append(info.Target).Append('\n');
            }
        }

        return sb.ToString();
    }
}
