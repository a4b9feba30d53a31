namespace Provisioner.Jobs.Workflows;

/// <summary>
/// A kind of job ("deploy", "commission", "release", "power-cycle"...): an ordered list of named, re-runnable steps.
/// Steps must be written so that running one again after a crash is safe (check before acting, use the checkpoint).
/// </summary>
public interface IJobWorkflow
{
    /// <summary>The job kind this workflow runs (unique in the registry).</summary>
    string Kind { get; }

    /// <summary>The steps of <paramref name="job"/>. Must be a pure function of the job (kind + parameters): the engine
    /// calls it again when it resumes the job and checks the step names still match what was persisted.</summary>
    IReadOnlyList<JobStepDefinition> Steps(JobRecord job);

    /// <summary>Called once the job reached a final state, before it is persisted as such (e.g. to move the node to
    /// Deployed or FailedDeployment). Must be idempotent: after a crash it may run again.</summary>
    Task OnFinishedAsync(JobOutcome outcome, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>How a job ended, for <see cref="IJobWorkflow.OnFinishedAsync"/>.</summary>
public sealed record JobOutcome(JobRecord Job, JobState State, string? FailedStep, string? Error);
