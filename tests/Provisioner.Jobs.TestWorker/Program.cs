using System.Globalization;
using System.Runtime.InteropServices;
using Provisioner.Core.Persistence;
using Provisioner.Jobs.Engine;
using Provisioner.Jobs.TestWorker;
using Provisioner.Jobs.Workflows;
using Provisioner.Storage;

// Usage: TestWorker <sqlite|postgres> <connection string> <owner> <trace file> <lease ms> <heartbeat ms> <max jobs> [max step interruptions]
if (args.Length is not (7 or 8))
{
    await Console.Error.WriteLineAsync("usage: <sqlite|postgres> <connection string> <owner> <trace file> <lease ms> <heartbeat ms> <max jobs> [max step interruptions]");
    return 2;
}

var provider = args[0] == "postgres" ? StorageProvider.Postgres : StorageProvider.Sqlite;
var owner = args[2];
await using var store = ProvisionerStore.Open(new StorageSettings { Provider = provider, ConnectionString = args[1] }, new PlainProtector());
await store.MigrateAsync();
var options = new JobEngineOptions
{
    ApplianceId = owner,
    LeaseDuration = TimeSpan.FromMilliseconds(int.Parse(args[4], CultureInfo.InvariantCulture)),
    HeartbeatInterval = TimeSpan.FromMilliseconds(int.Parse(args[5], CultureInfo.InvariantCulture)),
    MaxConcurrentJobs = int.Parse(args[6], CultureInfo.InvariantCulture),
    PollInterval = TimeSpan.FromMilliseconds(50),
    MaxJobsPerBmc = null,
};
if (args.Length == 8)
{
    options = options with { MaxStepInterruptions = int.Parse(args[7], CultureInfo.InvariantCulture) };
}

var engine = new JobEngine(store.Jobs, new WorkflowRegistry([new TraceWorkflow(args[3], owner), new NoOpWorkflow()]), options,
    logger: new StderrLogger<JobEngine>());

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});
Console.WriteLine($"ready {Environment.ProcessId}");
await engine.RunAsync(stop.Token);
return 0;

internal sealed class PlainProtector : ISecretProtector
{
    public string Protect(string plaintext) => plaintext;

    public string Unprotect(string protectedText) => protectedText;
}
