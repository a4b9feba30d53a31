using System.Collections.Concurrent;
using Provisioner.Agent.Protocol;

namespace Provisioner.Appliance.Agent;

/// <summary>What the appliance knows of one node's live agent.</summary>
public sealed class AgentSession
{
    public required Guid NodeId { get; init; }

    public DateTimeOffset HelloAt { get; set; }

    public string? BootId { get; set; }

    public FirmwareMode Firmware { get; set; }

    public DateTimeOffset? FactsAt { get; set; }

    public DateTimeOffset LastSeen { get; set; }
}

/// <summary>
/// Hands tasks from job steps to live agents and their progress and results back. Task ids are derived from the job
/// and step ("job:step"), so a step re-run after an appliance restart finds the result an agent already posted.
/// </summary>
public sealed class AgentTaskBroker(TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, AgentSession> _sessions = new();
    private readonly ConcurrentDictionary<Guid, AgentTask> _pending = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<TaskResult>> _results = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Action<TaskProgress>> _progress = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _signals = new();
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<AgentSession>> _helloWaiters = new();

    public AgentSession? Session(Guid nodeId) => _sessions.GetValueOrDefault(nodeId);

    /// <summary>Records an agent's hello and wakes steps waiting for it.</summary>
    public AgentSession Hello(Guid nodeId, HelloRequest hello)
    {
        var now = time.GetUtcNow();
        var session = _sessions.AddOrUpdate(nodeId,
            _ => new AgentSession { NodeId = nodeId, HelloAt = now, BootId = hello.BootId, Firmware = hello.Firmware, LastSeen = now },
            (_, s) =>
            {
                s.HelloAt = now;
                s.BootId = hello.BootId;
                s.Firmware = hello.Firmware;
                s.LastSeen = now;
                s.FactsAt = null;
                return s;
            });
        if (_helloWaiters.TryRemove(nodeId, out var waiter))
        {
            waiter.TrySetResult(session);
        }

        return session;
    }

    public void Seen(Guid nodeId, bool facts = false)
    {
        if (_sessions.TryGetValue(nodeId, out var s))
        {
            s.LastSeen = time.GetUtcNow();
            if (facts)
            {
                s.FactsAt = s.LastSeen;
            }
        }
    }

    /// <summary>Waits for an agent hello on <paramref name="nodeId"/> later than <paramref name="after"/>.</summary>
    public async Task<AgentSession> WaitForHelloAsync(Guid nodeId, DateTimeOffset after, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_sessions.TryGetValue(nodeId, out var s) && s.HelloAt > after)
            {
                return s;
            }

            var tcs = _helloWaiters.GetOrAdd(nodeId, _ => new TaskCompletionSource<AgentSession>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (_sessions.TryGetValue(nodeId, out s) && s.HelloAt > after)
            {
                return s;
            }

            await tcs.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Queues <paramref name="task"/> for the node's agent and waits for its result; progress goes to <paramref name="onProgress"/>.</summary>
    public async Task<TaskResult> RunAsync(Guid nodeId, AgentTask task, Action<TaskProgress>? onProgress, CancellationToken cancellationToken)
    {
        var tcs = _results.GetOrAdd(task.Id, _ => new TaskCompletionSource<TaskResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (tcs.Task.IsCompleted)
        {
            return await tcs.Task.ConfigureAwait(false);
        }

        if (onProgress is not null)
        {
            _progress[task.Id] = onProgress;
        }

        _pending[nodeId] = task;
        Signal(nodeId).Release();
        try
        {
            return await tcs.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _progress.TryRemove(task.Id, out _);
            _pending.TryRemove(new KeyValuePair<Guid, AgentTask>(nodeId, task));
        }
    }

    /// <summary>Queues a task without waiting (power off after commissioning).</summary>
    public void Post(Guid nodeId, AgentTask task)
    {
        _pending[nodeId] = task;
        Signal(nodeId).Release();
    }

    /// <summary>The agent's long poll: the pending task for the node, or null after <paramref name="wait"/>.</summary>
    public async Task<AgentTask?> NextAsync(Guid nodeId, TimeSpan wait, CancellationToken cancellationToken)
    {
        Seen(nodeId);
        var deadline = time.GetUtcNow() + wait;
        while (true)
        {
            if (_pending.TryGetValue(nodeId, out var task))
            {
                if (task.Kind is AgentTaskKind.Poweroff or AgentTaskKind.Reboot)
                {
                    _pending.TryRemove(new KeyValuePair<Guid, AgentTask>(nodeId, task));
                }

                return task;
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            try
            {
                await Signal(nodeId).WaitAsync(left, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    public void ReportProgress(Guid nodeId, string taskId, TaskProgress progress)
    {
        Seen(nodeId);
        if (_progress.TryGetValue(taskId, out var p))
        {
            p(progress);
        }
    }

    public void ReportResult(Guid nodeId, string taskId, TaskResult result)
    {
        Seen(nodeId);
        if (_pending.TryGetValue(nodeId, out var t) && t.Id == taskId)
        {
            _pending.TryRemove(new KeyValuePair<Guid, AgentTask>(nodeId, t));
        }

        _results.GetOrAdd(taskId, _ => new TaskCompletionSource<TaskResult>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(result);
    }

    private SemaphoreSlim Signal(Guid nodeId) => _signals.GetOrAdd(nodeId, _ => new SemaphoreSlim(0, 1000));
}
