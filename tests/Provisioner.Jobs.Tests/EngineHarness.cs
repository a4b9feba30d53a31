using Provisioner.Core.Persistence;
using Provisioner.Jobs.Engine;
using Provisioner.Jobs.Workflows;
using Provisioner.Storage;

namespace Provisioner.Jobs.Tests;

/// <summary>A real job store (SQLite in a temporary directory unless given) with an engine and a service over it.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly string? _dir;
    private Task? _run;

    private EngineHarness(ProvisionerStore store, string? dir, IEnumerable<IJobWorkflow> workflows, JobEngineOptions options, TimeProvider time)
    {
        Store = store;
        _dir = dir;
        Time = time;
        Workflows = new WorkflowRegistry(workflows);
        Events = new JobEventHub();
        Engine = new JobEngine(store.Jobs, Workflows, options, Events, time);
        Service = new JobService(store.Jobs, Workflows, Events, time, Engine);
    }

    public ProvisionerStore Store { get; }

    public TimeProvider Time { get; }

    public WorkflowRegistry Workflows { get; }

    public JobEventHub Events { get; }

    public JobEngine Engine { get; }

    public JobService Service { get; }

    public static JobEngineOptions FastOptions(string owner = "appliance-test") => new()
    {
        ApplianceId = owner,
        PollInterval = TimeSpan.FromMilliseconds(50),
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        LeaseDuration = TimeSpan.FromSeconds(2),
        ProgressPersistInterval = TimeSpan.FromMilliseconds(50),
    };

    public static async Task<EngineHarness> CreateSqliteAsync(IEnumerable<IJobWorkflow> workflows, JobEngineOptions? options = null, TimeProvider? time = null)
    {
        var dir = Directory.CreateTempSubdirectory("provisioner-jobs-").FullName;
        var store = ProvisionerStore.Open(new StorageSettings { DataDirectory = dir }, new PassThroughProtector(), time);
        await store.MigrateAsync();
        return new EngineHarness(store, dir, workflows, options ?? FastOptions(), time ?? TimeProvider.System);
    }

    public EngineHarness Start()
    {
        _run = Task.Run(() => Engine.RunAsync(_stop.Token));
        return this;
    }

    public Task<JobRecord> SubmitAsync(string kind, string? parameters = null, Guid? nodeId = null, int priority = 0, string? bmc = null) =>
        Service.SubmitAsync(new JobSubmission { Kind = kind, RequestedBy = "test", ParametersJson = parameters, NodeId = nodeId, Priority = priority, BmcKey = bmc },
            CancellationToken.None);

    /// <summary>Polls the store until the job satisfies <paramref name="done"/> (bounded).</summary>
    public async Task<JobRecord> WaitForAsync(Guid jobId, Func<JobRecord, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var job = await Store.Jobs.GetAsync(jobId, CancellationToken.None) ?? throw new InvalidOperationException($"job {jobId} vanished");
            if (done(job))
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Job {jobId} did not get there in time: {job.State}, step {job.CurrentStep}, error {job.Error}, " +
                    string.Join("; ", job.Steps.Select(s => $"{s.Name}={s.State}/{s.Attempt} {s.Error}")));
            }

            await Task.Delay(20);
        }
    }

    public Task<JobRecord> WaitFinishedAsync(Guid jobId, TimeSpan? timeout = null) =>
        WaitForAsync(jobId, j => j.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled, timeout);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run;
            _run = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        await Store.DisposeAsync();
        if (_dir is not null)
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // pooled handles may linger; temp space is reclaimed by the OS
            }
        }
    }

    private sealed class PassThroughProtector : ISecretProtector
    {
        public string Protect(string plaintext) => plaintext;

        public string Unprotect(string protectedText) => protectedText;
    }
}

/// <summary>A workflow made of the given steps, for tests.</summary>
internal sealed class TestWorkflow(string kind, params JobStepDefinition[] steps) : IJobWorkflow
{
    public string Kind => kind;

    public List<JobOutcome> Outcomes { get; } = [];

    public IReadOnlyList<JobStepDefinition> Steps(JobRecord job) => steps;

    public Task OnFinishedAsync(JobOutcome outcome, CancellationToken cancellationToken)
    {
        lock (Outcomes)
        {
            Outcomes.Add(outcome);
        }

        return Task.CompletedTask;
    }
}
