using System.Diagnostics;
using System.Globalization;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;
using Provisioner.Jobs.Engine;
using Provisioner.Jobs.Workflows;
using Provisioner.Storage;

// Usage: JobsBench <sqlite|postgres> <data dir | connection string> <nodes> <concurrent jobs> <steps per job>
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: JobsBench <sqlite|postgres> <data dir | connection string> <nodes> <concurrent jobs> <steps per job>");
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var postgres = args[0] == "postgres";
var nodes = int.Parse(args[2], inv);
var concurrency = int.Parse(args[3], inv);
var steps = int.Parse(args[4], inv);
var settings = postgres
    ? new StorageSettings { Provider = StorageProvider.Postgres, ConnectionString = args[1] }
    : new StorageSettings { Provider = StorageProvider.Sqlite, DataDirectory = args[1] };
await using var store = ProvisionerStore.Open(settings, new PlainProtector());
await store.MigrateAsync();

var registry = new WorkflowRegistry([new NoOpWorkflow()]);
var events = new JobEventHub();
var engine = new JobEngine(store.Jobs, registry, new JobEngineOptions
{
    ApplianceId = "bench",
    MaxConcurrentJobs = concurrency,
    MaxJobsPerBmc = null,
    MaxJobsPerBpod = null,
    PollInterval = TimeSpan.FromMilliseconds(100),
}, events);
var service = new JobService(store.Jobs, registry, events, engine: engine);

// One job per node, queued before the engine starts, so the run measures the engine and not the submitter.
var submit = Stopwatch.StartNew();
var ids = new Guid[nodes];
var parameters = $"{{\"steps\":{steps}}}";
await Parallel.ForAsync(0, nodes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    ids[i] = (await service.SubmitAsync(new JobSubmission { Kind = "noop", NodeId = Guid.NewGuid(), RequestedBy = "bench", ParametersJson = parameters }, ct)).Id);
submit.Stop();

using var stop = new CancellationTokenSource();
var run = Stopwatch.StartNew();
var engineTask = engine.RunAsync(stop.Token);
while (engine.Metrics.JobsSucceeded + engine.Metrics.JobsFailed < nodes)
{
    await Task.Delay(50);
}

run.Stop();
await stop.CancelAsync();
await engineTask;

var totalSteps = (long)nodes * steps;
Console.WriteLine(string.Create(inv,
    $"provider={args[0]} nodes={nodes} concurrency={concurrency} steps_per_job={steps} submit_s={submit.Elapsed.TotalSeconds:0.00} " +
    $"run_s={run.Elapsed.TotalSeconds:0.00} steps_per_s={totalSteps / run.Elapsed.TotalSeconds:0} jobs_per_s={nodes / run.Elapsed.TotalSeconds:0} " +
    $"failed={engine.Metrics.JobsFailed} ready_to_start_p50_ms={engine.Metrics.StepStartDelayMs(0.5):0.00} " +
    $"p99_ms={engine.Metrics.StepStartDelayMs(0.99):0.00} max_ms={engine.Metrics.StepStartDelayMs(1):0.00}"));
return engine.Metrics.JobsFailed == 0 ? 0 : 1;

internal sealed class PlainProtector : ISecretProtector
{
    public string Protect(string plaintext) => plaintext;

    public string Unprotect(string protectedText) => protectedText;
}
