using System.Globalization;

namespace Provisioner.Core.Inventory;

/// <summary>How a <see cref="BondMemberRule"/> picks a node's interfaces.</summary>
public enum BondMemberSelection
{
    /// <summary>Every interface of the node (the BMC is not one of them).</summary>
    All = 1,

    /// <summary>Every interface but the one the node PXE-boots from.</summary>
    NonPxe = 2,

    /// <summary>The interfaces with these names (as the inventory or commissioning names them, e.g. eno2).</summary>
    Names = 3,

    /// <summary>The interfaces at these positions (0-based) in the node's interface list.</summary>
    Indices = 4,
}

/// <summary>
/// Which of a node's interfaces a bond aggregates. A BPOD holds one rule for every node of the rack, so it names no MACs:
/// the members are resolved per node from its interfaces. Written as text in the API: <c>all</c>, <c>non-pxe</c>,
/// <c>names:eno2,eno3</c> or <c>indices:1,2</c>.
/// </summary>
public sealed record BondMemberRule
{
    public required BondMemberSelection Selection { get; init; }

    /// <summary>For <see cref="BondMemberSelection.Names"/>.</summary>
    public IReadOnlyList<string> Names { get; init; } = [];

    /// <summary>For <see cref="BondMemberSelection.Indices"/>, 0-based.</summary>
    public IReadOnlyList<int> Indices { get; init; } = [];

    public static BondMemberRule AllInterfaces { get; } = new() { Selection = BondMemberSelection.All };

    public static BondMemberRule NonPxeInterfaces { get; } = new() { Selection = BondMemberSelection.NonPxe };

    public static BondMemberRule ByName(params string[] names) => new() { Selection = BondMemberSelection.Names, Names = names };

    public static BondMemberRule ByIndex(params int[] indices) => new() { Selection = BondMemberSelection.Indices, Indices = indices };

    /// <summary>Parses the text form; on failure <paramref name="problem"/> says what is expected.</summary>
    public static bool TryParse(string? text, out BondMemberRule rule, out string? problem)
    {
        rule = AllInterfaces;
        problem = null;
        var t = text?.Trim() ?? string.Empty;
        if (t == "all")
        {
            return true;
        }

        if (t == "non-pxe")
        {
            rule = NonPxeInterfaces;
            return true;
        }

        var colon = t.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? t : t[..colon];
        string[] items = colon < 0 ? [] : t[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (kind == "names" && items.Length > 0)
        {
            rule = ByName(items);
            return true;
        }

        if (kind == "indices" && items.Length > 0)
        {
            var indices = new int[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                if (!int.TryParse(items[i], NumberStyles.None, CultureInfo.InvariantCulture, out indices[i]))
                {
                    problem = $"'{items[i]}' is not an interface index (0 is the node's first interface).";
                    return false;
                }
            }

            rule = ByIndex(indices);
            return true;
        }

        problem = $"'{text}' is not a member rule; use all, non-pxe, names:eno2,eno3 or indices:1,2 (0 is the node's first interface).";
        return false;
    }

    /// <summary>Picks the members from <paramref name="node"/>'s interfaces in its interface order; what cannot be found is
    /// added to <paramref name="problems"/>, prefixed with <paramref name="where"/>.</summary>
    public IReadOnlyList<NodeInterface> Select(Node node, string where, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(problems);
        var pxe = node.PxeInterface;
        switch (Selection)
        {
            case BondMemberSelection.All:
                return node.Interfaces;
            case BondMemberSelection.NonPxe:
                return node.Interfaces.Where(i => i != pxe).ToList();
            case BondMemberSelection.Names:
                var byName = new List<NodeInterface>();
                foreach (var name in Names)
                {
                    if (node.Interfaces.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal)) is { } nic)
                    {
                        byName.Add(nic);
                    }
                    else
                    {
                        problems.Add($"{where}: the node has no interface named '{name}' (its interfaces: " +
                                     $"{string.Join(", ", node.Interfaces.Select(i => i.Name ?? i.Mac.ToString()))}).");
                    }
                }

                return byName;
            default:
                var byIndex = new List<NodeInterface>();
                foreach (var index in Indices)
                {
                    if (index >= 0 && index < node.Interfaces.Count)
                    {
                        byIndex.Add(node.Interfaces[index]);
                    }
                    else
                    {
                        problems.Add($"{where}: the node has no interface at index {index} (it has {node.Interfaces.Count}, numbered from 0).");
                    }
                }

                return byIndex;
        }
    }

    public override string ToString() => Selection switch
    {
        BondMemberSelection.All => "all",
        BondMemberSelection.NonPxe => "non-pxe",
        BondMemberSelection.Names => "names:" + string.Join(',', Names),
        _ => "indices:" + string.Join(',', Indices.Select(i => i.ToString(CultureInfo.InvariantCulture))),
    };
}
