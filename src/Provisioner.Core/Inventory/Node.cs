using System.Net;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Inventory;

/// <summary>A network interface of a node.</summary>
public sealed record NodeInterface(MacAddress Mac, string? Name = null, bool IsPxe = false);

/// <summary>How the appliance reaches a node's power controller. The secret is held encrypted at rest by the store and never
/// returned by the API; at this layer it is the decrypted value, present only when a power driver needs it.</summary>
public sealed record BmcSettings
{
    /// <summary>Power driver name: "ipmi", "redfish", "snmp-pdu", "manual", "fake".</summary>
    public required string Driver { get; init; }

    public string? Address { get; init; }

    public int? Port { get; init; }

    public string? Username { get; init; }

    public string? Secret { get; init; }

    /// <summary>Driver-specific settings (cipher suite, outlets, TLS fingerprint, ...).</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}

/// <summary>What a node is deployed with.</summary>
public sealed record DeploySettings
{
    public string? Image { get; init; }

    public string? Profile { get; init; }

    public string? Cluster { get; init; }

    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>Set when the live agent has written and verified the image during the current deploy, so the next
    /// network boot goes to the local disk instead of the live image again. Cleared when a deploy or release starts.</summary>
    public bool ImageWritten { get; init; }
}

/// <summary>Last power state known for a node.</summary>
public enum NodePowerState
{
    Unknown = 0,
    On = 1,
    Off = 2,
    Error = 3,
}

/// <summary>
/// A machine in a BPOD. State changes go through <see cref="NodeLifecycle"/> only (see <see cref="WithTransition"/>).
/// <see cref="Version"/> is the optimistic-concurrency token: the store refuses an update made from an older version.
/// </summary>
public sealed record Node
{
    public required Guid Id { get; init; }

    public required string Hostname { get; init; }

    public required Guid BpodId { get; init; }

    /// <summary>Rack unit / slot number, if known.</summary>
    public int? Slot { get; init; }

    public IReadOnlyList<NodeInterface> Interfaces { get; init; } = [];

    public BmcSettings? Bmc { get; init; }

    public NodePowerState PowerState { get; init; }

    public NodeState State { get; init; } = NodeState.New;

    /// <summary>Why the node is in its state (the error of a Failed* state, the reason for Broken).</summary>
    public string? StateReason { get; init; }

    /// <summary>The job step that failed, for Failed* states.</summary>
    public string? FailedStep { get; init; }

    /// <summary>Hardware facts reported by the live agent, as JSON.</summary>
    public string? HardwareFactsJson { get; init; }

    /// <summary>The node's address in the provisioning subnet (reservation), if assigned.</summary>
    public IPAddress? AssignedIp { get; init; }

    public DeploySettings Deploy { get; init; } = new();

    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>SMBIOS system UUID (DHCP option 97 or DMI), if known.</summary>
    public Guid? SystemUuid { get; init; }

    public long Version { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The interface the node PXE-boots from (the first flagged one, else the first).</summary>
    public NodeInterface? PxeInterface => Interfaces.FirstOrDefault(i => i.IsPxe) ?? Interfaces.FirstOrDefault();

    /// <summary>Returns this node after <paramref name="action"/>, or throws <see cref="InvalidTransitionException"/>.</summary>
    public Node WithTransition(NodeAction action, string? reason = null, string? failedStep = null)
    {
        var next = NodeLifecycle.Next(State, action);
        return this with
        {
            State = next,
            StateReason = reason,
            FailedStep = NodeLifecycle.IsFailed(next) ? failedStep : null,
        };
    }
}
