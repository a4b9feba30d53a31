using System.Runtime.CompilerServices;
using Provisioner.Core.Persistence;
using Provisioner.Jobs.Engine;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs;

/// <summary>
/// <see cref="IJobService"/> over the durable store: validates and queues jobs (steps laid out from the workflow),
/// cancels and retries them, and streams live events from this appliance's engine.
/// </summary>
public sealed class JobService : IJobService
{
    private readonly IJobStore _store;
    private readonly WorkflowRegistry _workflows;
    private readonly JobEventHub _events;
    private readonly TimeProvider _time;
    private readonly JobEngine? _engine;
    private readonly INodeRepository? _nodes;

    /// <param name="engine">The local engine, woken on submit and told about cancels at once (optional).</param>
    /// <param name="nodes">When given, a node job is refused for an unknown node and takes the node's BMC as its BMC key.</param>
    public JobService(IJobStore store, WorkflowRegistry workflows, JobEventHub events, TimeProvider? time = null, JobEngine? engine = null,
        INodeRepository? nodes = null)
    {
        _store = store;
        _workflows = workflows;
        _events = events;
        _time = time ?? TimeProvider.System;
        _engine = engine;
        _nodes = nodes;
    }

    public async Task<JobRecord> SubmitAsync(JobSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var workflow = _workflows.Get(submission.Kind);
        var bmcKey = submission.BmcKey;
        if (submission.NodeId is { } nodeId && _nodes is not null)
        {
            var node = await _nodes.GetAsync(nodeId, cancellationToken).ConfigureAwait(false)
                ?? throw new JobRejectedException($"Node {nodeId} does not exist.");
            bmcKey ??= node.Bmc?.Address is { } address ? $"{node.Bmc.Driver}:{address}:{node.Bmc.Port}" : null;
        }

        var now = _time.GetUtcNow();
        var draft = new JobRecord
        {
            Id = Guid.CreateVersion7(now),
            Kind = submission.Kind,
            NodeId = submission.NodeId,
            BpodId = submission.BpodId,
            Priority = submission.Priority,
            RequestedBy = submission.RequestedBy,
            CreatedAt = now,
            ParametersJson = submission.ParametersJson,
            BmcKey = bmcKey,
            NextRunAt = submission.NotBefore is { } nb && nb > now ? nb : now,
        };
        var steps = workflow.Steps(draft);
        if (steps.Count == 0)
        {
            throw new JobRejectedException($"The '{submission.Kind}' workflow has no steps for these parameters.");
        }

        var duplicate = steps.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new JobRejectedException($"The '{submission.Kind}' workflow has two steps named '{duplicate.Key}'.");
        }

        var job = await _store.InsertAsync(draft with
        {
            Steps = steps.Select((s, i) => new StepRecord { Index = i, Name = s.Name, MaxAttempts = Math.Max(1, s.MaxAttempts) }).ToList(),
        }, cancellationToken).ConfigureAwait(false);
        _events.Publish(new JobEvent { JobId = job.Id, NodeId = job.NodeId, Type = JobEventTypes.Job, JobState = job.State, At = now }, progress: false);
        _engine?.Wake();
        return job;
    }

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken) => _store.GetAsync(id, cancellationToken);

    public Task<Page<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken) => _store.ListAsync(query, cancellationToken);

    public Task<IReadOnlyList<JobLogLine>> GetLogAsync(Guid jobId, long afterId, int limit, CancellationToken cancellationToken) =>
        _store.GetLogAsync(jobId, afterId, limit, cancellationToken);

    public async Task CancelAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var job = await _store.RequestCancelAsync(id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Job {id} does not exist.");
        await _store.AppendLogAsync([new JobLogLine { JobId = id, StepIndex = job.CurrentStep, At = _time.GetUtcNow(), Level = "warn", Text = $"cancel requested by {actor}" }],
            cancellationToken).ConfigureAwait(false);
        if (job.State == JobState.Cancelled)
        {
            _events.Publish(new JobEvent { JobId = id, NodeId = job.NodeId, Type = JobEventTypes.Job, JobState = job.State, At = _time.GetUtcNow() }, progress: false);
        }

        _engine?.CancelLocal(id);
    }

    public async Task<JobRecord> RetryAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var job = await _store.ResetForRetryAsync(id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await _store.AppendLogAsync([new JobLogLine { JobId = id, StepIndex = job.CurrentStep, At = _time.GetUtcNow(), Level = "info", Text = $"retried by {actor}" }],
            cancellationToken).ConfigureAwait(false);
        _events.Publish(new JobEvent { JobId = id, NodeId = job.NodeId, Type = JobEventTypes.Job, JobState = job.State, At = _time.GetUtcNow() }, progress: false);
        _engine?.Wake();
        return job;
    }

    public async IAsyncEnumerable<JobEvent> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in _events.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }
}
