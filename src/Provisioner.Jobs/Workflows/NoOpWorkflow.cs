namespace Provisioner.Jobs.Workflows;

/// <summary>Parameters of the "noop" workflow.</summary>
public sealed record NoOpParameters
{
    /// <summary>Number of steps (1..1000).</summary>
    public int Steps { get; init; } = 3;

    /// <summary>How long each step sleeps (on the engine's clock); 0 returns at once.</summary>
    public int SleepMilliseconds { get; init; }
}

/// <summary>Steps that do nothing (or sleep): for benchmarks, tests and checking an appliance's engine end to end.</summary>
public sealed class NoOpWorkflow : IJobWorkflow
{
    public string Kind => "noop";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job)
    {
        var p = Read(job);
        return Enumerable.Range(1, Math.Clamp(p.Steps, 1, 1000))
            .Select(i => JobStepDefinition.Create($"noop-{i}", (ctx, ct) =>
                p.SleepMilliseconds <= 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromMilliseconds(p.SleepMilliseconds), ctx.Time, ct)))
            .ToList();
    }

    private static NoOpParameters Read(JobRecord job) =>
        string.IsNullOrWhiteSpace(job.ParametersJson)
            ? new NoOpParameters()
            : System.Text.Json.JsonSerializer.Deserialize<NoOpParameters>(job.ParametersJson, System.Text.Json.JsonSerializerOptions.Web) ?? new NoOpParameters();
}
