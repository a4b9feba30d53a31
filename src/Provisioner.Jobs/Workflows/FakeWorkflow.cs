namespace Provisioner.Jobs.Workflows;

/// <summary>Parameters of the "fake" workflow.</summary>
public sealed record FakeParameters
{
    /// <summary>How long each step takes from 0 to 100 %.</summary>
    public int StepMilliseconds { get; init; } = 2000;

    /// <summary>Progress reports per step.</summary>
    public int Ticks { get; init; } = 10;

    /// <summary>Name of a step that fails (to see failure and retry in the dashboard); null: none fails.</summary>
    public string? FailStep { get; init; }
}

/// <summary>
/// A deploy-shaped job that touches no hardware: every step reports byte progress to 100 % over a few seconds and
/// logs a line. For the dashboard, demos and tests. Resumable: "stream-image" checkpoints the bytes written.
/// </summary>
public sealed class FakeWorkflow : IJobWorkflow
{
    public static readonly IReadOnlyList<string> StepNames =
        ["set-boot-pxe", "power-on", "wait-dhcp", "wait-agent", "stream-image", "write-config", "set-boot-disk", "reboot", "wait-deployed"];

    public string Kind => "fake";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job)
    {
        var p = string.IsNullOrWhiteSpace(job.ParametersJson)
            ? new FakeParameters()
            : System.Text.Json.JsonSerializer.Deserialize<FakeParameters>(job.ParametersJson, System.Text.Json.JsonSerializerOptions.Web) ?? new FakeParameters();
        return StepNames.Select(name => JobStepDefinition.Create(name, (ctx, ct) => RunAsync(ctx, p, ct), maxAttempts: 2,
            backoff: new RetryBackoff(TimeSpan.FromMilliseconds(200)))).ToList();
    }

    private static async Task RunAsync(StepContext ctx, FakeParameters p, CancellationToken ct)
    {
        const long Total = 4L << 30;
        var ticks = Math.Max(1, p.Ticks);
        var start = ctx.GetCheckpoint<long>();
        ctx.Log(JobLogLevel.Info, start > 0 ? $"{ctx.StepName}: resuming at {start} bytes" : $"{ctx.StepName}: started");
        for (var i = 1; i <= ticks; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(0, p.StepMilliseconds) / (double)ticks), ctx.Time, ct).ConfigureAwait(false);
            var done = Math.Max(start, Total * i / ticks);
            ctx.ReportProgress(done, Total, $"{ctx.StepName}: {done >> 20} of {Total >> 20} MiB");
            if (ctx.StepName == "stream-image" && i % Math.Max(1, ticks / 4) == 0)
            {
                await ctx.SaveCheckpointAsync(done, ct).ConfigureAwait(false);
            }

            if (string.Equals(ctx.StepName, p.FailStep, StringComparison.Ordinal) && i == ticks / 2)
            {
                throw new StepFailedException($"{ctx.StepName}: simulated failure at {done >> 20} MiB");
            }
        }
    }
}
