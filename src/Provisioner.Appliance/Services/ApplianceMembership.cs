using System.Globalization;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Options;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Services;

/// <summary>
/// Keeps this appliance's name unique among the live appliances of its database. The name is the job lease owner, and
/// an appliance takes back the jobs leased to its name at start-up: two live processes with one name would run the same
/// jobs twice. At start-up the name is claimed (refused while another live process holds it); a heartbeat keeps it;
/// a clean stop frees it. A holder is gone when its heartbeat is older than the job lease, or when it ran on this same
/// host and its process no longer exists (a crash followed by a restart takes the name back at once).
/// </summary>
public sealed partial class ApplianceMembership(IApplianceRegistry registry, ApplianceSettings settings, TimeProvider time,
    IHostApplicationLifetime lifetime, ILogger<ApplianceMembership> logger)
{
    private ApplianceInstance? _self;

    /// <summary>This process's instance: with the name it owns the job leases ("name/instance"), so a process that lost the
    /// name to a newer one (it was frozen longer than a lease) cannot renew or write any job.</summary>
    public Guid InstanceId { get; } = Guid.NewGuid();

    /// <summary>How long after its last heartbeat a name is free for another process (the job lease duration).</summary>
    public TimeSpan LiveWindow => TimeSpan.FromSeconds(settings.Jobs.LeaseSeconds);

    public TimeSpan HeartbeatInterval => LiveWindow / 3;

    /// <summary>Claims the name; throws <see cref="SettingsException"/> (a configuration error) when a live appliance holds it.</summary>
    public async Task ClaimAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var self = new ApplianceInstance
        {
            Name = settings.ApplianceName,
            InstanceId = InstanceId,
            Host = Environment.MachineName,
            BootId = HostBootId(),
            Pid = Environment.ProcessId,
            ProcessStarted = ProcessStartTime(Environment.ProcessId) ?? "",
            Url = NodeTemplates.PublicBaseUrl(settings),
            Version = typeof(ApplianceMembership).Assembly.GetName().Version?.ToString() ?? "dev",
            StartedAt = now,
            LastSeenAt = now,
        };
        var holder = await registry.ClaimNameAsync(self, h => IsGone(h, self, now), cancellationToken).ConfigureAwait(false);
        if (holder is not null)
        {
            var ago = (now - holder.LastSeenAt).TotalSeconds;
            throw new SettingsException("ApplianceName", string.Create(CultureInfo.InvariantCulture,
                $"'{holder.Name}' is already used by a live appliance on this database: pid {holder.Pid} on host {holder.Host} ({holder.Url}), " +
                $"last seen {Math.Max(0, ago):0} s ago. Give each appliance sharing a database its own ApplianceName, or stop the other one " +
                $"(a name is free once its appliance stops, or {LiveWindow.TotalSeconds:0} s after it was last seen)."));
        }

        _self = self;
        Log.Claimed(logger, self.Name, self.InstanceId);
    }

    /// <summary>Heartbeats until stopped, then frees the name. Losing the name to another process stops this appliance.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_self is null)
        {
            // The program claims before the host starts (to refuse with a configuration error); a host built otherwise claims here.
            await ClaimAsync(cancellationToken).ConfigureAwait(false);
        }

        var self = _self!;
        try
        {
            while (true)
            {
                await Task.Delay(HeartbeatInterval, time, cancellationToken).ConfigureAwait(false);
                bool held;
                try
                {
                    held = await registry.HeartbeatAsync(self.Name, self.InstanceId, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // The job engine has its own guard for an unreachable database; try again at the next beat.
                    Log.HeartbeatFailed(logger, e, self.Name);
                    continue;
                }

                if (!held)
                {
                    Log.NameTakenOver(logger, self.Name);
                    lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                await registry.ReleaseAsync(self.Name, self.InstanceId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.ReleaseFailed(logger, e, self.Name);
            }
        }
    }

    private bool IsGone(ApplianceInstance holder, ApplianceInstance self, DateTimeOffset now)
    {
        if (now - holder.LastSeenAt > LiveWindow)
        {
            return true;
        }

        if (!string.Equals(holder.Host, self.Host, StringComparison.Ordinal))
        {
            // Another machine: only its heartbeat can tell.
            return false;
        }

        // This machine rebooted since, or the process is gone (or its PID now belongs to a younger process).
        return !string.Equals(holder.BootId, self.BootId, StringComparison.Ordinal)
               || !string.Equals(ProcessStartTime(holder.Pid), holder.ProcessStarted, StringComparison.Ordinal);
    }

    private static string HostBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks after boot); null when there is no such process.</summary>
    internal static string? ProcessStartTime(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 ? fields[19] : null;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Appliance name {Name} claimed (instance {InstanceId})")]
        public static partial void Claimed(ILogger logger, string name, Guid instanceId);

        [LoggerMessage(EventId = 9102, Level = LogLevel.Critical,
            Message = "Appliance name {Name} was taken over by another process (this one was not seen for longer than the job lease); stopping")]
        public static partial void NameTakenOver(ILogger logger, string name);

        [LoggerMessage(EventId = 9103, Level = LogLevel.Warning, Message = "Appliance heartbeat of {Name} failed")]
        public static partial void HeartbeatFailed(ILogger logger, Exception exception, string name);

        [LoggerMessage(EventId = 9104, Level = LogLevel.Warning, Message = "Freeing appliance name {Name} at shutdown failed; it is free once its heartbeat is old")]
        public static partial void ReleaseFailed(ILogger logger, Exception exception, string name);
    }
}
