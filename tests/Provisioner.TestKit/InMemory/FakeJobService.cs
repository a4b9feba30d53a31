using System.Threading.Channels;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.TestKit.InMemory;

/// <summary>
/// An <see cref="IJobService"/> with no engine behind it: jobs run fake steps that progress on a <see cref="TimeProvider"/>
/// timer (or when the test calls <see cref="Tick"/>), publishing the same events a real engine does, so the API, the
/// dashboard's progress bars and the CLI's --wait can be tested end to end.
/// </summary>
public sealed class FakeJobService : IJobService, IDisposable
{
    private static readonly string[] DefaultSteps = ["prepare", "run", "verify"];

    private readonly object _gate = new();
    private readonly Dictionary<Guid, JobRecord> _jobs = [];
    private readonly List<JobLogLine> _log = [];
    private readonly List<Channel<JobEvent>> _subscribers = [];
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private long _nextLogId;
    private string? _failAtStep;
    private int _failInterruptions;

    /// <param name="tickInterval">How often running jobs progress by themselves; null: only when <see cref="Tick"/> is called.</param>
    public FakeJobService(TimeProvider? timeProvider = null, TimeSpan? tickInterval = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        if (tickInterval is { } every)
        {
            _timer = _time.CreateTimer(_ => Tick(), null, every, every);
        }
    }

    /// <summary>Percent a running step advances per tick.</summary>
    public double PercentPerTick { get; set; } = 25;

    /// <summary>Job kinds accepted; others are rejected like an engine without that workflow.</summary>
    public ISet<string> KnownKinds { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "commission", "deploy", "release", "rescue", "power-on", "power-off", "power-cycle", "fake",
    };

    /// <summary>Steps of each kind; kinds not listed get three generic steps.</summary>
    public IDictionary<string, string[]> StepsByKind { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["deploy"] = ["set-boot-pxe", "power-on", "wait-agent", "stream-image", "write-config", "set-boot-disk", "reboot"],
        ["commission"] = ["set-boot-pxe", "power-on", "wait-agent", "collect-facts", "power-off"],
        ["release"] = ["set-boot-pxe", "power-on", "wipe-disks", "power-off"],
        ["rescue"] = ["set-boot-pxe", "power-cycle", "wait-agent"],
        ["power-on"] = ["power-on"],
        ["power-off"] = ["power-off"],
        ["power-cycle"] = ["power-cycle"],
    };

    /// <summary>Called once a job reaches a final state (tests use it to move the node as the real workflows do).</summary>
    public Func<JobRecord, Task>? Finished { get; set; }

    /// <summary>Every submission received, in order.</summary>
    public IReadOnlyList<JobSubmission> Submissions { get { lock (_gate) { return [.. _submissions]; } } }

    private readonly List<JobSubmission> _submissions = [];

    /// <summary>The next step with this name fails once (to test retry from the failed step); with
    /// <paramref name="interruptions"/>, as the engine fails a step interrupted that many times.</summary>
    public void FailNextAt(string stepName, int interruptions = 0)
    {
        lock (_gate)
        {
            _failAtStep = stepName;
            _failInterruptions = interruptions;
        }
    }

    public Task<JobRecord> SubmitAsync(JobSubmission submission, CancellationToken cancellationToken)
    {
        List<JobEvent> events = [];
        JobRecord job;
        lock (_gate)
        {
            if (!KnownKinds.Contains(submission.Kind))
            {
                throw new JobRejectedException($"Unknown job kind '{submission.Kind}'.");
            }

            if (submission.NodeId is { } nodeId && _jobs.Values.Any(j => j.NodeId == nodeId && j.State is JobState.Pending or JobState.Running))
            {
                throw new JobRejectedException($"Node {nodeId} already has an active job; wait for it or cancel it.");
            }

            var steps = StepsByKind.TryGetValue(submission.Kind, out var names) ? names : DefaultSteps;
            job = new JobRecord
            {
                Id = Guid.NewGuid(),
                Kind = submission.Kind,
                NodeId = submission.NodeId,
                BpodId = submission.BpodId,
                Priority = submission.Priority,
                RequestedBy = submission.RequestedBy,
                ParametersJson = submission.ParametersJson,
                CreatedAt = _time.GetUtcNow(),
                Steps = steps.Select((n, i) => new StepRecord
                {
                    Index = i,
                    Name = n,
                    MaxAttempts = 3,
                    BytesTotal = n == "stream-image" ? 4L << 30 : null,
                }).ToArray(),
                Version = 1,
            };
            _jobs.Add(job.Id, job);
            _submissions.Add(submission);
            events.Add(JobChanged(job));
        }

        Publish(events);
        return Task.FromResult(job);
    }

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_jobs.GetValueOrDefault(id));
        }
    }

    public Task<Page<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var rows = _jobs.Values
                .Where(j => query.NodeId is null || j.NodeId == query.NodeId)
                .Where(j => query.State is null || j.State == query.State)
                .Where(j => query.Kind is null || j.Kind == query.Kind)
                .Where(j => !query.ActiveOnly || j.State is JobState.Pending or JobState.Running)
                .OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id)
                .ToList();
            var page = query.Page;
            return Task.FromResult(new Page<JobRecord>(rows.Skip(page.SafeOffset).Take(page.SafeLimit).ToArray(), rows.Count, page.SafeOffset, page.SafeLimit));
        }
    }

    public Task<IReadOnlyList<JobLogLine>> GetLogAsync(Guid jobId, long afterId, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<JobLogLine>>(_log.Where(l => l.JobId == jobId && l.Id > afterId).Take(Math.Max(1, limit)).ToArray());
        }
    }

    public async Task CancelAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        List<JobEvent> events = [];
        JobRecord? finished = null;
        lock (_gate)
        {
            if (!_jobs.TryGetValue(id, out var job))
            {
                throw new KeyNotFoundException($"Job {id} does not exist.");
            }

            if (job.State is not (JobState.Pending or JobState.Running))
            {
                throw new InvalidOperationException($"Job {id} is {job.State}; only pending or running jobs can be cancelled.");
            }

            var steps = job.Steps.Select(s => s.State is StepState.Pending or StepState.Running ? s with { State = StepState.Cancelled } : s).ToArray();
            finished = Save(job with { State = JobState.Cancelled, Steps = steps, FinishedAt = _time.GetUtcNow(), Error = $"Cancelled by {actor}." });
            events.Add(Log(finished, finished.CurrentStep, "warn", $"cancelled by {actor}"));
            events.Add(JobChanged(finished));
        }

        Publish(events);
        await NotifyFinished(finished).ConfigureAwait(false);
    }

    public Task<JobRecord> RetryAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        List<JobEvent> events = [];
        JobRecord retried;
        lock (_gate)
        {
            if (!_jobs.TryGetValue(id, out var job))
            {
                throw new KeyNotFoundException($"Job {id} does not exist.");
            }

            if (job.State is not (JobState.Failed or JobState.Cancelled))
            {
                throw new InvalidOperationException($"Job {id} is {job.State}; only failed or cancelled jobs can be retried.");
            }

            var steps = job.Steps.Select(s => s.Index >= job.CurrentStep ? s with { State = StepState.Pending, Error = null, Percent = null, Interruptions = 0 } : s)
                .ToArray();
            retried = Save(job with { State = JobState.Pending, Steps = steps, Error = null, FinishedAt = null });
            events.Add(Log(retried, retried.CurrentStep, "info", $"retried by {actor} from step {steps[retried.CurrentStep].Name}"));
            events.Add(JobChanged(retried));
        }

        Publish(events);
        return Task.FromResult(retried);
    }

    public async IAsyncEnumerable<JobEvent> SubscribeAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<JobEvent>();
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return e;
            }
        }
        finally
        {
            lock (_gate)
            {
                _subscribers.Remove(channel);
            }
        }
    }

    /// <summary>Advances every active job by one tick: pending jobs start, the running step gains <see cref="PercentPerTick"/>.</summary>
    public void Tick()
    {
        List<JobEvent> events = [];
        List<JobRecord> finished = [];
        lock (_gate)
        {
            foreach (var job in _jobs.Values.Where(j => j.State is JobState.Pending or JobState.Running).OrderBy(j => j.CreatedAt).ToArray())
            {
                var next = Advance(job, events);
                if (next.State is not (JobState.Pending or JobState.Running))
                {
                    finished.Add(next);
                }
            }
        }

        Publish(events);
        foreach (var job in finished)
        {
            _ = NotifyFinished(job);
        }
    }

    public void Dispose() => _timer?.Dispose();

    private JobRecord Advance(JobRecord job, List<JobEvent> events)
    {
        var now = _time.GetUtcNow();
        var steps = job.Steps.ToArray();
        if (job.State == JobState.Pending)
        {
            job = Save(job with { State = JobState.Running, StartedAt = job.StartedAt ?? now });
            events.Add(JobChanged(job));
        }

        var i = job.CurrentStep;
        var step = steps[i];
        if (step.State != StepState.Running)
        {
            step = step with { State = StepState.Running, StartedAt = now, Attempt = step.Attempt + 1, Percent = 0 };
            events.Add(Log(job, i, "info", $"step {step.Name} started"));
        }

        if (_failAtStep == step.Name)
        {
            _failAtStep = null;
            step = step with
            {
                State = StepState.Failed, FinishedAt = now, Error = $"Step {step.Name} failed (injected by the test).", Interruptions = _failInterruptions,
            };
            steps[i] = step;
            job = Save(job with { State = JobState.Failed, Steps = steps, FinishedAt = now, Error = step.Error });
            events.Add(StepChanged(job, step));
            events.Add(Log(job, i, "error", step.Error!));
            events.Add(JobChanged(job));
            return job;
        }

        var percent = Math.Min(100, (step.Percent ?? 0) + PercentPerTick);
        step = step with
        {
            Percent = percent,
            BytesDone = step.BytesTotal is { } total ? (long)(total * percent / 100) : null,
            BytesPerSecond = step.BytesTotal is not null ? 850_000_000 : null,
            Message = step.BytesTotal is { } t ? $"written {percent * t / 100 / (1 << 30):0.0} of {t / (1 << 30):0.0} GiB" : $"{percent:0}%",
        };
        if (percent >= 100)
        {
            step = step with { State = StepState.Succeeded, FinishedAt = now };
            events.Add(Log(job, i, "info", $"step {step.Name} succeeded"));
        }

        steps[i] = step;
        var done = percent >= 100 && i == steps.Length - 1;
        job = Save(job with
        {
            Steps = steps,
            CurrentStep = percent >= 100 && !done ? i + 1 : i,
            State = done ? JobState.Succeeded : JobState.Running,
            FinishedAt = done ? now : null,
        });
        events.Add(StepChanged(job, step));
        if (done)
        {
            events.Add(JobChanged(job));
        }

        return job;
    }

    private JobRecord Save(JobRecord job)
    {
        var saved = job with { Version = job.Version + 1 };
        _jobs[job.Id] = saved;
        return saved;
    }

    private JobEvent JobChanged(JobRecord job) =>
        new() { JobId = job.Id, NodeId = job.NodeId, Type = "job", JobState = job.State, At = _time.GetUtcNow() };

    private JobEvent StepChanged(JobRecord job, StepRecord step) =>
        new() { JobId = job.Id, NodeId = job.NodeId, Type = "step", JobState = job.State, Step = step, At = _time.GetUtcNow() };

    private JobEvent Log(JobRecord job, int stepIndex, string level, string text)
    {
        var line = new JobLogLine { Id = ++_nextLogId, JobId = job.Id, StepIndex = stepIndex, At = _time.GetUtcNow(), Level = level, Text = text };
        _log.Add(line);
        return new JobEvent { JobId = job.Id, NodeId = job.NodeId, Type = "log", JobState = job.State, Log = line, At = line.At };
    }

    private void Publish(List<JobEvent> events)
    {
        Channel<JobEvent>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var e in events)
        {
            foreach (var s in subscribers)
            {
                s.Writer.TryWrite(e);
            }
        }
    }

    private async Task NotifyFinished(JobRecord? job)
    {
        if (job is not null && Finished is { } callback)
        {
            await callback(job).ConfigureAwait(false);
        }
    }
}
