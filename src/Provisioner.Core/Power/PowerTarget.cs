namespace Provisioner.Core.Power;

/// <summary>
/// Everything a driver needs to reach one node's power control. The secret is plain text at this
/// layer: the store encrypts it at rest and decrypts it just before building the target.
/// </summary>
public sealed record PowerTarget
{
    /// <summary>The driver name ("ipmi", "redfish", "snmp-pdu", "manual", "fake").</summary>
    public required string Driver { get; init; }

    /// <summary>Host name or IP address of the BMC/PDU (empty for drivers that need none).</summary>
    public string Address { get; init; } = string.Empty;

    /// <summary>Port, or null for the driver's default (623 IPMI, 443 Redfish, 161 SNMP).</summary>
    public int? Port { get; init; }

    /// <summary>User name (IPMI, Redfish); unused by SNMP.</summary>
    public string? Username { get; init; }

    /// <summary>Password (IPMI, Redfish) or community (SNMP).</summary>
    public string? Secret { get; init; }

    /// <summary>Driver-specific settings, e.g. "outlets" = "3,4", "cipher_suite" = "17".</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Optional node identity, only for messages and operator requests.</summary>
    public string? NodeName { get; init; }

    /// <summary>The job acting on the node, when one is: operator requests name it so the operator sees why they are asked.</summary>
    public Guid? JobId { get; init; }

    /// <summary>A stable key for per-endpoint gates and back-off (driver, address, port).</summary>
    public string EndpointKey => $"{Driver}://{Address}:{Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}";

    /// <summary>Reads a setting or returns <paramref name="fallback"/>.</summary>
    public string? Setting(string name, string? fallback = null) =>
        Settings.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : fallback;

    /// <inheritdoc/>
    public override string ToString() => NodeName is null ? EndpointKey : $"{NodeName} ({EndpointKey})";
}
