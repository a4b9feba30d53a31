namespace Provisioner.Core.Power;

/// <summary>
/// One way of controlling power (IPMI, Redfish, a PDU, an operator). Drivers are found by
/// <see cref="Name"/> and declare their settings; they throw <see cref="PowerException"/>.
/// A driver sends one command and reports what the endpoint said; waiting until the state
/// really changed is the runner's job (act, wait, verify).
/// </summary>
public interface IPowerDriver
{
    /// <summary>Registry key: "ipmi", "redfish", "snmp-pdu", "manual", "fake".</summary>
    string Name { get; }

    /// <summary>The settings this driver reads from <see cref="PowerTarget.Settings"/>.</summary>
    IReadOnlyList<PowerSetting> Settings { get; }

    /// <summary>What this driver can do.</summary>
    PowerDriverCapabilities Capabilities { get; }

    /// <summary>Reads the current power state.</summary>
    ValueTask<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken);

    /// <summary>Sends one power command; returns once the endpoint accepted it (not once it took effect).</summary>
    ValueTask ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken);

    /// <summary>Sets the next boot device, reads it back and throws <see cref="PowerErrorKind.NotConfirmed"/> if it did not stick.</summary>
    ValueTask SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken);

    /// <summary>Reads the next boot device back; null when the endpoint reports no override.</summary>
    ValueTask<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken);

    /// <summary>Switches the identify LED on for <paramref name="duration"/> (null = until switched off; zero = off).</summary>
    ValueTask IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken);
}
