namespace Provisioner.Core.Power;

/// <summary>Where a setting lives: on the shared endpoint (BMC, PDU) or on each node behind it.</summary>
public enum PowerSettingScope
{
    /// <summary>Belongs to the power endpoint (address, credentials): shared by every node on it.</summary>
    Endpoint = 0,

    /// <summary>Belongs to the node (its outlet numbers, its system id on a multi-node BMC).</summary>
    Node = 1,
}

/// <summary>A setting a driver declares, so forms and validation come from the driver itself.</summary>
/// <param name="Name">Key in <see cref="PowerTarget.Settings"/>.</param>
/// <param name="Description">One line for the operator.</param>
/// <param name="Required">Whether the driver refuses to run without it.</param>
/// <param name="Scope">Endpoint or node.</param>
/// <param name="DefaultValue">Used when absent.</param>
/// <param name="IsSecret">Stored encrypted and never shown back.</param>
public sealed record PowerSetting(
    string Name,
    string Description,
    bool Required = false,
    PowerSettingScope Scope = PowerSettingScope.Endpoint,
    string? DefaultValue = null,
    bool IsSecret = false);
