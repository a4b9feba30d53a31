using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;

namespace Provisioner.Core.Tests.Lifecycle;

[Trait("Area", "Core")]
public sealed class NodeLifecycleTests
{
    public static TheoryData<NodeState, NodeAction> EveryStateAndAction()
    {
        var data = new TheoryData<NodeState, NodeAction>();
        foreach (var s in Enum.GetValues<NodeState>())
        {
            foreach (var a in Enum.GetValues<NodeAction>())
            {
                data.Add(s, a);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public void Next_EveryStateAndAction_FollowsTheTableOrRefusesNamingStateAndAllowedActions(NodeState state, NodeAction action)
    {
        var entry = NodeLifecycle.Transitions.Where(t => t.From == state && t.Action == action).ToList();
        Assert.True(entry.Count <= 1, $"({state}, {action}) appears {entry.Count} times in the table");
        if (entry.Count == 1)
        {
            Assert.Equal(entry[0].To, NodeLifecycle.Next(state, action));
            Assert.True(NodeLifecycle.TryNext(state, action, out var next));
            Assert.Equal(entry[0].To, next);
            return;
        }

        var e = Assert.Throws<InvalidTransitionException>(() => NodeLifecycle.Next(state, action));
        Assert.Equal(state, e.State);
        Assert.Equal(action, e.Action);
        Assert.Contains(state.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Contains(action.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Equal(NodeLifecycle.AllowedActions(state), e.Allowed);
        Assert.All(e.Allowed, a => Assert.Contains(a.ToString(), e.Message, StringComparison.Ordinal));
        Assert.False(NodeLifecycle.TryNext(state, action, out _));
    }

    [Fact]
    public void Transitions_HappyPath_EnlistCommissionDeployReleaseRedeploy()
    {
        NodeAction[] path =
        [
            NodeAction.Commission, NodeAction.CommissioningSucceeded, NodeAction.Deploy, NodeAction.DeploySucceeded,
            NodeAction.Release, NodeAction.ReleaseSucceeded, NodeAction.Deploy,
        ];
        NodeState[] expected =
        [
            NodeState.Commissioning, NodeState.Ready, NodeState.Deploying, NodeState.Deployed, NodeState.Releasing, NodeState.Ready, NodeState.Deploying,
        ];
        var s = NodeState.New;
        for (var i = 0; i < path.Length; i++)
        {
            s = NodeLifecycle.Next(s, path[i]);
            Assert.Equal(expected[i], s);
        }
    }

    [Fact]
    public void States_EveryStateDescribedAndTransitionalOnesAimAtAStableState()
    {
        Assert.Equal(Enum.GetValues<NodeState>().Order(), NodeLifecycle.States.Keys.Order());
        foreach (var (state, info) in NodeLifecycle.States)
        {
            Assert.Equal(info.Stable, info.Target is null);
            if (!info.Stable)
            {
                Assert.True(NodeLifecycle.IsStable(info.Target!.Value));
                // A running job can always be stopped, and its failure has somewhere to land.
                Assert.True(NodeLifecycle.TryNext(state, NodeAction.Abort, out var aborted));
                Assert.True(NodeLifecycle.IsFailed(aborted));
            }
        }
    }

    [Fact]
    public void Transitions_EveryStateReachableFromNewAndEveryStateCanGetBackToReady()
    {
        var reachable = Closure(NodeState.New, forward: true);
        Assert.Equal(Enum.GetValues<NodeState>().Order(), reachable.Order());
        foreach (var s in Enum.GetValues<NodeState>())
        {
            Assert.Contains(NodeState.Ready, Closure(s, forward: true));
        }
    }

    [Fact]
    public void MarkBroken_AllowedFromEveryStableStateButBrokenAndNeverDuringAJob()
    {
        foreach (var (state, info) in NodeLifecycle.States)
        {
            var allowed = NodeLifecycle.TryNext(state, NodeAction.MarkBroken, out _);
            Assert.Equal(info.Stable && state != NodeState.Broken, allowed);
        }
    }

    [Fact]
    public void WithTransition_ToFailedState_KeepsErrorAndStep_ElsewhereClearsStep()
    {
        var node = new Node { Id = Guid.NewGuid(), Hostname = "n1", BpodId = Guid.NewGuid(), State = NodeState.Deploying };
        var failed = node.WithTransition(NodeAction.DeployFailed, "image checksum mismatch", "stream-image");
        Assert.Equal((NodeState.FailedDeployment, "image checksum mismatch", "stream-image"), (failed.State, failed.StateReason, failed.FailedStep));
        var releasing = failed.WithTransition(NodeAction.Release, "operator release", "ignored");
        Assert.Null(releasing.FailedStep);
        var broken = releasing.WithTransition(NodeAction.ReleaseSucceeded).WithTransition(NodeAction.MarkBroken, "PSU fault");
        Assert.Equal((NodeState.Broken, "PSU fault"), (broken.State, broken.StateReason));
        Assert.Throws<InvalidTransitionException>(() => broken.WithTransition(NodeAction.Deploy));
    }

    [Fact]
    public void Diagram_ListsEveryTransition()
    {
        var mermaid = NodeLifecycleDiagram.ToMermaid();
        Assert.StartsWith("stateDiagram-v2", mermaid, StringComparison.Ordinal);
        Assert.All(NodeLifecycle.Transitions, t => Assert.Contains($"{t.From} --> {t.To} : {t.Action}", mermaid, StringComparison.Ordinal));
    }

    [Fact]
    public void Diagram_InDocsLifecycleMd_IsUpToDate()
    {
        // docs/lifecycle.md embeds the generated diagram; set PROVISIONER_UPDATE_DOCS=1 to rewrite it after changing the table.
        var root = RepositoryRoot();
        var path = Path.Combine(root, "docs", "lifecycle.md");
        const string Begin = "<!-- BEGIN GENERATED: NodeLifecycleDiagram.ToMermaid() -->";
        const string End = "<!-- END GENERATED -->";
        var text = File.ReadAllText(path);
        var start = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"{path} lacks the generated-diagram markers");
        var generated = $"{Begin}\n```mermaid\n{NodeLifecycleDiagram.ToMermaid()}```\n";
        var current = text[start..end];
        if (current != generated && Environment.GetEnvironmentVariable("PROVISIONER_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..start] + generated + text[end..]);
            return;
        }

        Assert.Equal(generated, current);
    }

    private static HashSet<NodeState> Closure(NodeState from, bool forward)
    {
        var seen = new HashSet<NodeState> { from };
        var queue = new Queue<NodeState>([from]);
        while (queue.TryDequeue(out var s))
        {
            foreach (var t in NodeLifecycle.Transitions.Where(t => forward ? t.From == s : t.To == s))
            {
                if (seen.Add(forward ? t.To : t.From))
                {
                    queue.Enqueue(forward ? t.To : t.From);
                }
            }
        }

        return seen;
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provisioner.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provisioner.sln not found above " + AppContext.BaseDirectory);
    }
}
