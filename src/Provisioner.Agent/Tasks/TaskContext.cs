using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Tasks;

/// <summary>What a task handler gets besides the task: the current step, progress reporting, events and the log.</summary>
public sealed class TaskContext(AgentTask task, ProgressReporter progress, ConsoleEvents events)
{
    /// <summary>The task being run.</summary>
    public AgentTask Task { get; } = task;

    /// <summary>The step the task is in (reported with the result, also on failure).</summary>
    public string Step { get; private set; } = "start";

    /// <summary>Console markers.</summary>
    public ConsoleEvents Events { get; } = events;

    /// <summary>Throttled progress reports for the current step.</summary>
    public ProgressReporter Progress { get; } = progress;

    /// <summary>Enters a step.</summary>
    public void Enter(string step)
    {
        Step = step;
        Progress.Reset(step);
        Events.Emit("step", ("task", Task.Id), ("step", step));
    }

    /// <summary>Fails the current step.</summary>
    public StepFailedException Fail(string message, Exception? inner = null) => new(Step, message, inner);
}

/// <summary>What follows a successful task once its result is reported (power off / reboot).</summary>
public sealed record TaskOutcome(Func<Task>? AfterReport = null)
{
    /// <summary>Nothing follows.</summary>
    public static TaskOutcome Done { get; } = new();
}

/// <summary>Runs one kind of task.</summary>
public interface ITaskHandler
{
    /// <summary>The kind this handler runs.</summary>
    AgentTaskKind Kind { get; }

    /// <summary>Runs the task; throws <see cref="StepFailedException"/> on failure.</summary>
    Task<TaskOutcome> ExecuteAsync(TaskContext context, CancellationToken ct);
}
