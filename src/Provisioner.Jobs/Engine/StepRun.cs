using System.Threading.Channels;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.Engine;

/// <summary>The live state of one step attempt: the record being built, unsaved progress and log lines.</summary>
internal sealed class StepRun(JobRunner runner, StepRecord initial, bool resumed)
{
    private readonly Lock _gate = new();
    private readonly List<JobLogLine> _pendingLogs = [];
    private readonly Channel<bool> _logged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // One log write at a time: a LogAsync that finds its line already taken by a write in flight waits for that write.
    private readonly SemaphoreSlim _logWriteGate = new(1, 1);
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

        _logged.Writer.TryWrite(true);
    }

    /// <summary>Completes when log lines wait to be written (at once if some already do).</summary>
    public Task WaitForLogLinesAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pendingLogs.Count > 0)
            {
                return Task.CompletedTask;
            }
        }

        return _logged.Reader.WaitToReadAsync(cancellationToken).AsTask();
    }

    public async Task SaveCheckpointAsync(string json, CancellationToken cancellationToken)
    {
        // Lines logged before the checkpoint are durable before it is: a re-run never sees a checkpoint without them.
        await FlushLogsAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _record = _record with { Checkpoint = json };
            _dirty = false;
        }

        await runner.SaveStepAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every log line logged so far (and waits for a write of them already in flight).</summary>
    public async Task FlushLogsAsync(CancellationToken cancellationToken)
    {
        await _logWriteGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            JobLogLine[] logs;
            lock (_gate)
            {
                logs = [.. _pendingLogs];
                _pendingLogs.Clear();
                while (_logged.Reader.TryRead(out _))
                {
                }
            }

            if (logs.Length > 0)
            {
                await runner.AppendLogAsync(logs, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _logWriteGate.Release();
        }
    }

    /// <summary>Writes unsaved log lines and progress.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await FlushLogsAsync(cancellationToken).ConfigureAwait(false);
        bool dirty;
        lock (_gate)
        {
            dirty = _dirty;
            _dirty = false;
        }

        if (dirty)
        {
            await runner.SaveStepAsync(this, cancellationToken).ConfigureAwait(false);
        }
    }
}
