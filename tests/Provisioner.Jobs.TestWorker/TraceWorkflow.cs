using System.Globalization;
using Provisioner.Jobs;
using Provisioner.Jobs.Workflows;

namespace Provisioner.Jobs.TestWorker;

/// <summary>Parameters of the "trace" workflow.</summary>
public sealed record TraceParameters
{
    public int Steps { get; init; } = 5;

    public int StepMilliseconds { get; init; } = 200;

    /// <summary>Each step adds a line to the job log after its "start" and traces "logged" once it has (not waiting for it to be stored).</summary>
    public bool Log { get; init; }

    /// <summary>The step of this index kills its own process (SIGKILL) right after tracing "start", every time it runs: a step
    /// that takes the appliance down with it (a native crash, an out-of-memory kill).</summary>
    public int? KillAtStep { get; init; }
}

/// <summary>
/// Steps that append "start|end|stop job step owner pid ticks" lines to a trace file of their own process ("{traceFile}.{owner}";
/// .NET appends with positioned writes, so processes must not share one file), so a test can prove after the fact that
/// every step ran to completion exactly once and never on two engines at once.
/// </summary>
public sealed class TraceWorkflow(string traceFile, string owner) : IJobWorkflow
{
    private static readonly Lock Gate = new();

    public string Kind => "trace";

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job)
    {
        var p = System.Text.Json.JsonSerializer.Deserialize<TraceParameters>(job.ParametersJson ?? "{}", System.Text.Json.JsonSerializerOptions.Web) ?? new();
        return Enumerable.Range(0, p.Steps).Select(i => JobStepDefinition.Create($"trace-{i}", async (ctx, ct) =>
        {
            Append("start", ctx);
            if (p.KillAtStep == i)
            {
                using var self = System.Diagnostics.Process.GetCurrentProcess();
                self.Kill();
            }

            if (p.Log)
            {
                ctx.Log(JobLogLevel.Info, $"trace-{i} running in process {Environment.ProcessId}");
                Append("logged", ctx);
            }

            try
            {
                if (p.StepMilliseconds > 0)
                {
                    await Task.Delay(p.StepMilliseconds, ct);
                }
            }
            catch (OperationCanceledException)
            {
                Append("stop", ctx);
                throw;
            }

            Append("end", ctx);
        }, timeout: TimeSpan.FromMinutes(1))).ToList();
    }

    private void Append(string what, StepContext ctx)
    {
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{what} {ctx.JobId} {ctx.StepIndex} {owner} {Environment.ProcessId} {DateTimeOffset.UtcNow.UtcTicks}\n");
        lock (Gate)
        {
            File.AppendAllText($"{traceFile}.{owner}", line);
        }
    }
}
