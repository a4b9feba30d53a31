using System.Text.Json;
using Microsoft.Extensions.Logging;
using Provisioner.Jobs.Engine;

namespace Provisioner.Jobs.Workflows;

/// <summary>Severity of a job log line.</summary>
public enum JobLogLevel
{
    Info = 1,
    Warn = 2,
    Error = 3,
}

/// <summary>
/// What a running step sees: which job and node it works for, the job parameters, its durable checkpoint, and ways to
/// report progress and log lines (shown live in the dashboard and kept with the job).
/// </summary>
public sealed class StepContext
{
    private readonly StepRun _run;

    internal StepContext(JobRecord job, StepRun run, TimeProvider time, ILogger logger)
    {
        Job = job;
        _run = run;
        Time = time;
        Logger = logger;
    }

    public JobRecord Job { get; }

    public Guid JobId => Job.Id;

    public Guid? NodeId => Job.NodeId;

    public Guid? BpodId => Job.BpodId;

    public int StepIndex => _run.Index;

    public string StepName => _run.Name;

    /// <summary>1 for the first attempt.</summary>
    public int Attempt => _run.Attempt;

    /// <summary>True when this attempt re-runs a step whose previous runner died mid-way.</summary>
    public bool Resumed => _run.Resumed;

    public string? ParametersJson => Job.ParametersJson;

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The job parameters as <typeparamref name="T"/> (web JSON conventions), or a default instance when none.</summary>
    public T Parameters<T>()
        where T : new() =>
        string.IsNullOrWhiteSpace(Job.ParametersJson) ? new T() : JsonSerializer.Deserialize<T>(Job.ParametersJson, JsonSerializerOptions.Web) ?? new T();

    /// <summary>The checkpoint saved by an earlier attempt of this step (JSON), or null.</summary>
    public string? Checkpoint => _run.Checkpoint;

    public T? GetCheckpoint<T>() => _run.Checkpoint is { } json ? JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Web) : default;

    /// <summary>Saves a small JSON checkpoint with the step, durably, before returning: a re-run after a crash reads it back.</summary>
    public Task SaveCheckpointAsync<T>(T value, CancellationToken cancellationToken) =>
        _run.SaveCheckpointAsync(JsonSerializer.Serialize(value, JsonSerializerOptions.Web), cancellationToken);

    /// <summary>Reports bytes done of a known (or unknown: null) total; percent and rate are derived. Cheap: persisted at most
    /// once per progress interval, published live at once.</summary>
    public void ReportProgress(long bytesDone, long? bytesTotal, string? message = null) => _run.ReportProgress(bytesDone, bytesTotal, null, message);

    /// <summary>Reports progress as a percentage (0..100) for steps without byte counts.</summary>
    public void ReportPercent(double percent, string? message = null) => _run.ReportProgress(null, null, Math.Clamp(percent, 0, 100), message);

    /// <summary>Adds a line to the job log (kept with the job, streamed to watchers). Written within milliseconds, and always
    /// before the step's next checkpoint or end; use <see cref="LogAsync"/> when the line must be durable before the step
    /// goes on (before acting on hardware, for example).</summary>
    public void Log(JobLogLevel level, string text) => _run.Log(level, text);

    /// <summary>Adds a line to the job log and returns once it (and every line logged before it) is in the database.</summary>
    public Task LogAsync(JobLogLevel level, string text, CancellationToken cancellationToken)
    {
        _run.Log(level, text);
        return _run.FlushLogsAsync(cancellationToken);
    }
}
