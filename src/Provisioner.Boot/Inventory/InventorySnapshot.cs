using System.Collections.Frozen;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Boot.Inventory;

/// <summary>
/// An immutable copy of what the boot servers need from the inventory (zones, BPODs, nodes by MAC), so the DHCP
/// packet path answers from memory. <see cref="InventorySnapshotCache"/> swaps in a fresh copy after every change.
/// </summary>
public sealed class InventorySnapshot
{
    public static readonly InventorySnapshot Empty = new([], [], []);

    public InventorySnapshot(IReadOnlyList<Zone> zones, IReadOnlyList<Bpod> bpods, IReadOnlyList<Node> nodes)
    {
        Zones = zones;
        Bpods = bpods;
        Nodes = nodes;
        ZonesById = zones.ToFrozenDictionary(z => z.Id);
        BpodsById = bpods.ToFrozenDictionary(b => b.Id);
        var byMac = new Dictionary<MacAddress, Node>();
        foreach (var node in nodes)
        {
            foreach (var nic in node.Interfaces)
            {
                byMac.TryAdd(nic.Mac, node);
            }
        }

        NodesByMac = byMac.ToFrozenDictionary();
    }

    public IReadOnlyList<Zone> Zones { get; }

    public IReadOnlyList<Bpod> Bpods { get; }

    public IReadOnlyList<Node> Nodes { get; }

    public FrozenDictionary<Guid, Zone> ZonesById { get; }

    public FrozenDictionary<Guid, Bpod> BpodsById { get; }

    public FrozenDictionary<MacAddress, Node> NodesByMac { get; }

    public Node? FindNode(MacAddress mac) => NodesByMac.GetValueOrDefault(mac);
}
