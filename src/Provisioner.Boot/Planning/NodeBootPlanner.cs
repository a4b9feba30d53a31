using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Boot.Inventory;

namespace Provisioner.Boot.Planning;

/// <summary>Where a boot request came from, as the DHCP server saw it.</summary>
public sealed record BootRequest
{
    public required MacAddress Mac { get; init; }

    /// <summary>The relay agent address (giaddr) of a relayed request (L3 BPOD), or null.</summary>
    public IPAddress? RelayAddress { get; init; }

    /// <summary>The appliance interface the request arrived on (L2 BPOD).</summary>
    public string? InterfaceName { get; init; }

    /// <summary>The appliance's own address on that interface.</summary>
    public IPAddress? LocalAddress { get; init; }
}

/// <summary>The decision for one boot: what for, for which node and BPOD, and why (shown on the timeline).</summary>
public sealed record BootPlan(BootPurpose Purpose, Node? Node, Bpod? Bpod, string Reason);

/// <summary>
/// Answers "what should MAC x boot?" from an inventory snapshot: the BPOD is found by relay address or arrival
/// interface; an unknown MAC is discovered where the BPOD enlists unknown machines; a known node boots what its
/// lifecycle state asks for. A pure function of the snapshot, so the DHCP packet path never waits for the database.
/// </summary>
public static class NodeBootPlanner
{
    public static BootPlan Plan(InventorySnapshot snapshot, BootRequest request)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(request);
        var node = snapshot.FindNode(request.Mac);
        if (node is not null)
        {
            return PlanForNode(node, snapshot.BpodsById.GetValueOrDefault(node.BpodId));
        }

        var bpod = FindBpod(snapshot.Bpods, request);
        if (bpod is null)
        {
            var from = request.RelayAddress is { } relay && !relay.Equals(IPAddress.Any)
                ? $"relay {relay}"
                : $"interface {request.InterfaceName ?? "?"} ({request.LocalAddress?.ToString() ?? "no address"})";
            return new BootPlan(BootPurpose.Ignore, null, null,
                $"unknown MAC {request.Mac} from {from}: no BPOD serves it (add a BPOD whose subnet contains that address)");
        }

        return bpod.EnlistUnknown
            ? new BootPlan(BootPurpose.Discover, null, bpod, $"unknown MAC {request.Mac}: discovery boot in BPOD {bpod.Name}")
            : new BootPlan(BootPurpose.Ignore, null, bpod, $"unknown MAC {request.Mac}: BPOD {bpod.Name} does not enlist unknown machines");
    }

    /// <summary>The BPOD a request belongs to: relayed requests by giaddr (relay list, then subnet), direct ones by interface or subnet.</summary>
    public static Bpod? FindBpod(IReadOnlyList<Bpod> all, BootRequest request)
    {
        if (request.RelayAddress is { } relay && !relay.Equals(IPAddress.Any))
        {
            return all.FirstOrDefault(b => b.RelayAddresses.Any(r => r.Equals(relay)))
                   ?? all.FirstOrDefault(b => b.ProvisioningSubnet.Contains(relay));
        }

        return all.FirstOrDefault(b => b.NetworkType == BpodNetworkType.L2 && request.InterfaceName is not null
                                       && string.Equals(b.InterfaceName, request.InterfaceName, StringComparison.Ordinal))
               ?? (request.LocalAddress is { } local ? all.FirstOrDefault(b => b.ProvisioningSubnet.Contains(local)) : null);
    }

    private static BootPlan PlanForNode(Node node, Bpod? bpod)
    {
        var name = node.Hostname;
        return node.State switch
        {
            NodeState.New when bpod?.EnlistUnknown == true => new(BootPurpose.Discover, node, bpod, $"{name} is New: live image to commission it"),
            NodeState.Commissioning => new(BootPurpose.Commission, node, bpod, $"{name} is Commissioning: live image to report hardware"),
            NodeState.Deploying when node.Deploy.ImageWritten =>
                new(BootPurpose.LocalBoot, node, bpod, $"{name} is Deploying and its image is written: boot from disk"),
            NodeState.Deploying => new(BootPurpose.Deploy, node, bpod, $"{name} is Deploying: live image to write {node.Deploy.Image ?? "its image"}"),
            NodeState.Releasing => new(BootPurpose.Release, node, bpod, $"{name} is Releasing: live image to wipe disks"),
            NodeState.Rescue => new(BootPurpose.Rescue, node, bpod, $"{name} is in Rescue: live image"),
            NodeState.Broken => new(BootPurpose.Ignore, node, bpod, $"{name} is Broken ({node.StateReason ?? "no reason given"}): not answering"),
            _ => new(BootPurpose.LocalBoot, node, bpod, $"{name} is {node.State}: boot from disk"),
        };
    }
}
