namespace Provisioner.Jobs.Engine;

/// <summary>Settings of one job engine (one per appliance).</summary>
public sealed record JobEngineOptions
{
    /// <summary>Stable name of this appliance (no '/'): shown as the runner of each step. Two engines running at once must have
    /// different ids.</summary>
    public required string ApplianceId { get; init; }

    /// <summary>This run of the appliance (e.g. a new id per process start). Leases are then owned by "ApplianceId/InstanceId",
    /// so a process that lost its name to a newer one (it was frozen longer than a lease) can no longer write or renew
    /// anything; null: leases are owned by <see cref="ApplianceId"/> alone.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The lease owner written to the store.</summary>
    public string LeaseOwner => InstanceId is null ? ApplianceId : $"{ApplianceId}/{InstanceId}";

    /// <summary>Jobs this engine runs at once (the whole-appliance limit).</summary>
    public int MaxConcurrentJobs { get; init; } = 64;

    /// <summary>Jobs bound to one BPOD running at once on this engine (DHCP/TFTP of one rack); null: no limit.</summary>
    public int? MaxJobsPerBpod { get; init; } = 32;

    /// <summary>Jobs driving one BMC/PDU at once (BMCs fall over when hammered); null: no limit.</summary>
    public int? MaxJobsPerBmc { get; init; } = 1;

    /// <summary>The BPODs this appliance serves (for rack-bound jobs); null: all of them (single appliance).</summary>
    public IReadOnlyCollection<Guid>? ServedBpods { get; init; }

    /// <summary>A job's lease lasts this long without a heartbeat; then another appliance may take it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Leases are renewed this often (well under <see cref="LeaseDuration"/>).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the store is polled for jobs submitted elsewhere (local submissions wake the engine at once).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Progress and log lines of a running step are written at most this often.</summary>
    public TimeSpan ProgressPersistInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often one step may be found interrupted (its appliance stopped mid-step) and still be run again. A step
    /// interrupted once more fails the job instead, so a step that stops the process every time it runs (a native crash,
    /// an out-of-memory kill) cannot make the appliance crash-loop. A retry of the job resets the count.</summary>
    public int MaxStepInterruptions { get; init; } = 3;

    /// <summary>At start, take back at once the jobs this same appliance id (any earlier instance) held when it last stopped
    /// (crash recovery without waiting for lease expiry). Safe only if no other engine runs with the same id.</summary>
    public bool RecoverOwnJobsAtStart { get; init; } = true;
}
