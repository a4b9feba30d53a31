namespace Provisioner.Core.Inventory;

/// <summary>A bond every node of a BPOD gets: its members are picked per node by <see cref="Members"/>.</summary>
public sealed record BondDefinition
{
    /// <summary>The bond's interface name on the node ("bond0").</summary>
    public required string Name { get; init; }

    /// <summary>Linux bonding mode, as netplan and the kernel spell it (see <see cref="BondModes"/>).</summary>
    public string Mode { get; init; } = BondModes.Lacp;

    public required BondMemberRule Members { get; init; }

    /// <summary>The bond's MTU; none = the BPOD's MTU.</summary>
    public int? Mtu { get; init; }

    /// <summary>"fast" or "slow" LACPDU rate, 802.3ad only; none = fast.</summary>
    public string? LacpRate { get; init; }

    /// <summary>Transmit hash policy (802.3ad, balance-xor, balance-tlb); none = layer3+4 for 802.3ad, the kernel's default otherwise.</summary>
    public string? TransmitHashPolicy { get; init; }

    /// <summary>The LACP rate the node gets: the one set, else "fast" for 802.3ad; none for other modes.</summary>
    public string? EffectiveLacpRate() => Mode == BondModes.Lacp ? LacpRate ?? "fast" : null;

    /// <summary>The hash policy the node gets: the one set, else "layer3+4" for 802.3ad (spreads flows over the links).</summary>
    public string? EffectiveTransmitHashPolicy() => TransmitHashPolicy ?? (Mode == BondModes.Lacp ? "layer3+4" : null);
}

/// <summary>The Linux bonding modes and their parameters (kernel Documentation/networking/bonding.rst).</summary>
public static class BondModes
{
    /// <summary>IEEE 802.3ad dynamic link aggregation (LACP): the switch ports must form a LAG.</summary>
    public const string Lacp = "802.3ad";

    public const string ActiveBackup = "active-backup";

    public static IReadOnlyList<string> All { get; } =
        ["802.3ad", "active-backup", "balance-rr", "balance-xor", "broadcast", "balance-tlb", "balance-alb"];

    public static IReadOnlyList<string> LacpRates { get; } = ["fast", "slow"];

    public static IReadOnlyList<string> TransmitHashPolicies { get; } = ["layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4"];

    /// <summary>The modes that use a transmit hash policy (netplan accepts it for these only).</summary>
    public static IReadOnlyList<string> WithTransmitHashPolicy { get; } = ["802.3ad", "balance-xor", "balance-tlb"];
}
