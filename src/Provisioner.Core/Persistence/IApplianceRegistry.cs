namespace Provisioner.Core.Persistence;

/// <summary>
/// One running appliance process as recorded in the database it shares with others. The name is the job lease owner,
/// so two live processes must never hold the same one.
/// </summary>
public sealed record ApplianceInstance
{
    /// <summary>The configured ApplianceName.</summary>
    public required string Name { get; init; }

    /// <summary>Random per process start: tells a restart of the same name from the process that held it before.</summary>
    public required Guid InstanceId { get; init; }

    /// <summary>Machine name of the host the process runs on.</summary>
    public required string Host { get; init; }

    /// <summary>The host's boot id (Linux /proc/sys/kernel/random/boot_id): a different one means the host rebooted since.</summary>
    public required string BootId { get; init; }

    public required int Pid { get; init; }

    /// <summary>When the process started, in the host's own terms (/proc/PID/stat start time), so a reused PID is not taken for it.</summary>
    public required string ProcessStarted { get; init; }

    /// <summary>The appliance's public URL, for an operator looking for it.</summary>
    public string? Url { get; init; }

    public required string Version { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>The last heartbeat.</summary>
    public DateTimeOffset LastSeenAt { get; init; }
}

/// <summary>The appliances live on one database, one row per name (implemented by Provisioner.Storage).</summary>
public interface IApplianceRegistry
{
    /// <summary>
    /// Takes <paramref name="self"/>'s name for it, atomically: when the name is free, already its own, or held by an
    /// instance <paramref name="holderIsGone"/> judges dead, records <paramref name="self"/> and returns null; otherwise
    /// changes nothing and returns the live holder.
    /// </summary>
    Task<ApplianceInstance?> ClaimNameAsync(ApplianceInstance self, Func<ApplianceInstance, bool> holderIsGone, CancellationToken cancellationToken);

    /// <summary>Records a heartbeat; false when the name is no longer held by <paramref name="instanceId"/> (another took it over).</summary>
    Task<bool> HeartbeatAsync(string name, Guid instanceId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Frees the name at a clean stop (only if still held by <paramref name="instanceId"/>).</summary>
    Task ReleaseAsync(string name, Guid instanceId, CancellationToken cancellationToken);

    /// <summary>Every recorded appliance, by name.</summary>
    Task<IReadOnlyList<ApplianceInstance>> ListAsync(CancellationToken cancellationToken);
}
