using Microsoft.Extensions.Logging;
using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Tasks;

/// <summary>
/// Runs one task through its handler and reports the result: success only when every step completed, otherwise the
/// failing step, the cause and the log tail. Power actions run after the result is reported.
/// </summary>
public sealed partial class TaskRunner(
    IEnumerable<ITaskHandler> handlers, ApplianceClient appliance, ConsoleEvents events, LogTail tail, TimeProvider time, ILogger logger)
{
    private readonly Dictionary<AgentTaskKind, ITaskHandler> _handlers = handlers.ToDictionary(h => h.Kind);

    /// <summary>Runs <paramref name="task"/>; returns what must follow the report.</summary>
    public async Task<TaskOutcome> RunAsync(AgentTask task, CancellationToken ct)
    {
        events.Emit("task", ("kind", task.Kind.ToString().ToLowerInvariant()), ("id", task.Id));
        await using var progress = new ProgressReporter(time, (p, c) => appliance.ReportProgressAsync(task.Id, p, c), events);
        var context = new TaskContext(task, progress, events);
        TaskResult result;
        var outcome = TaskOutcome.Done;
        try
        {
            if (!_handlers.TryGetValue(task.Kind, out var handler))
            {
                throw new StepFailedException("start", $"this agent cannot run tasks of kind {task.Kind}");
            }

            outcome = await handler.ExecuteAsync(context, ct).ConfigureAwait(false);
            Log.TaskDone(logger, task.Id, task.Kind);
            events.Emit($"{task.Kind.ToString().ToLowerInvariant()}-done", ("id", task.Id));
            result = new TaskResult(true, context.Step, null, tail.Last());
        }
        catch (StepFailedException e)
        {
            result = Failed(task, e.Step, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ApplianceException or InvalidOperationException or HttpRequestException)
        {
            result = Failed(task, context.Step, e.Message);
        }

        // Let queued progress go out before the result so the appliance never sees progress after "done".
        await progress.DisposeAsync().ConfigureAwait(false);
        await appliance.ReportResultAsync(task.Id, result, ct).ConfigureAwait(false);
        return result.Success ? outcome : TaskOutcome.Done;
    }

    private TaskResult Failed(AgentTask task, string step, string message)
    {
        Log.TaskFailed(logger, task.Id, task.Kind, step, message);
        events.Emit("error", ("task", task.Id), ("step", step), ("msg", message));
        return new TaskResult(false, step, message, tail.Last());
    }

    private static partial class Log
    {
        [LoggerMessage(8201, LogLevel.Information, "task {TaskId} ({Kind}) done")]
        public static partial void TaskDone(ILogger logger, string taskId, AgentTaskKind kind);

        [LoggerMessage(8202, LogLevel.Error, "task {TaskId} ({Kind}) failed in step {Step}: {Message}")]
        public static partial void TaskFailed(ILogger logger, string taskId, AgentTaskKind kind, string step, string message);
    }
}
