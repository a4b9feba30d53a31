using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.Engine;

/// <summary>The live state of one step attempt: the record being built, unsaved progress and log lines.</summary>
internal sealed class StepRun(JobRunner runner, StepRecord initial, bool resumed)
{
    private readonly Lock _gate = new();
    private readonly List<JobLogLine> _pendingLogs = [];
    private StepRecord _record = initial;
    private bool _dirty;

    public int Index { get; } = initial.Index;

    public string Name { get; } = initial.Name;

    public int Attempt => Record.Attempt;

    public bool Resumed { get; } = resumed;

    public string? Checkpoint => Record.Checkpoint;

    public StepRecord Record
    {
        get { lock (_gate) { return _record; } }
    }

    public void Set(StepRecord record)
    {
        lock (_gate)
        {
            _record = record;
            _dirty = false;
        }
    }

    public void ReportProgress(long? bytesDone, long? bytesTotal, double? percent, string? message)
    {
        StepRecord updated;
        lock (_gate)
        {
            var r = _record;
            var now = runner.Time.GetUtcNow();
            double? rate = null;
            if (bytesDone is { } done && r.StartedAt is { } started && now > started)
            {
                rate = done / (now - started).TotalSeconds;
            }

            if (percent is null && bytesDone is { } d && bytesTotal is { } t && t > 0)
            {
                percent = Math.Clamp(100.0 * d / t, 0, 100);
            }

            _record = updated = r with
            {
                BytesDone = bytesDone ?? r.BytesDone,
                BytesTotal = bytesTotal ?? r.BytesTotal,
                Percent = percent ?? r.Percent,
                BytesPerSecond = rate ?? r.BytesPerSecond,
                Message = message ?? r.Message,
            };
            _dirty = true;
        }

        runner.PublishProgress(updated);
    }

    public void Log(JobLogLevel level, string text)
    {
        var line = new JobLogLine
        {
            JobId = runner.Job.Id,
            StepIndex = Index,
            At = runner.Time.GetUtcNow(),
            Level = level switch { JobLogLevel.Warn => "warn", JobLogLevel.Error => "error", _ => "info" },
            Text = text.Length > 4000 ? text[..4000] : text,
        };
        lock (_gate)
        {
            _pendingLogs.Add(line);
        }
    }

    public async Task SaveCheckpointAsync(string json, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _record = _record with { Checkpoint = json };
            _dirty = false;
        }

        await runner.SaveStepAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes unsaved progress and log lines.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        bool dirty;
        JobLogLine[] logs;
        lock (_gate)
        {
            dirty = _dirty;
            _dirty = false;

            logs = [.. _pendingLogs];
            _pendingLogs.Clear();
        }

        if (logs.Length > 0)
        {
            await runner.AppendLogAsync(logs, cancellationToken).ConfigureAwait(false);
        }

        if (dirty)
        {
            await runner.SaveStepAsync(this, cancellationToken).ConfigureAwait(false);
        }
    }
}
