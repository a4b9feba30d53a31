using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;

namespace Provisioner.Core.Inventory;

/// <summary>The outcome of an enlistment: the node, and whether this call created it.</summary>
public sealed record EnlistmentResult(Node Node, bool Created);

/// <summary>What the boot path knows about a machine when it first PXE-boots.</summary>
public sealed record EnlistmentDetails
{
    public Guid? SystemUuid { get; init; }

    /// <summary>DHCP client architecture (option 93) or vendor class, for the history message.</summary>
    public string? Architecture { get; init; }
}

/// <summary>
/// Enlists machines that PXE-boot with an unknown MAC (MAAS-style discovery): picks the BPOD from the relay address
/// (giaddr) or the receiving interface, names the node by the BPOD's pattern, and adds it in state New. The unique MAC
/// constraint of the store makes <see cref="EnlistAsync"/> idempotent under concurrency: the same MAC is never
/// enlisted twice, however many DHCP packets race.
/// </summary>
public sealed partial class EnlistmentService(IZoneRepository zones, IBpodRepository bpods, INodeRepository nodes, TimeProvider time)
{
    private const int MaxNameAttempts = 20;

    /// <summary>
    /// The BPOD a DHCP packet belongs to: with a relay address (giaddr), the BPOD listing it as relay or whose provisioning
    /// subnet contains it (RFC 2131 §4.3.1: giaddr identifies the client's subnet); without one, the BPOD attached to the
    /// receiving interface (by name) or whose subnet contains that interface's address. Null when none matches.
    /// </summary>
    public async Task<Bpod?> FindBpodAsync(IPAddress? relayAddress, string? interfaceName, IPAddress? interfaceAddress, CancellationToken cancellationToken)
    {
        var all = await bpods.ListAsync(null, cancellationToken).ConfigureAwait(false);
        if (relayAddress is not null && !relayAddress.Equals(IPAddress.Any))
        {
            return all.FirstOrDefault(b => b.RelayAddresses.Contains(relayAddress)) ?? all.FirstOrDefault(b => b.ProvisioningSubnet.Contains(relayAddress));
        }

        return all.FirstOrDefault(b => interfaceName is not null && string.Equals(b.InterfaceName, interfaceName, StringComparison.Ordinal))
            ?? (interfaceAddress is null ? null : all.FirstOrDefault(b => b.ProvisioningSubnet.Contains(interfaceAddress)));
    }

    /// <summary>
    /// Returns the node owning <paramref name="mac"/>, enlisting it into <paramref name="bpod"/> when unknown. Safe to call
    /// concurrently for one MAC: exactly one call creates the node, the others return it with Created = false.
    /// <see cref="InvalidOperationException"/> when the BPOD does not enlist unknown machines.
    /// </summary>
    public async Task<EnlistmentResult> EnlistAsync(MacAddress mac, Bpod bpod, EnlistmentDetails? details, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bpod);
        if (await nodes.FindByMacAsync(mac, cancellationToken).ConfigureAwait(false) is { } known)
        {
            return new EnlistmentResult(known, false);
        }

        if (!bpod.EnlistUnknown)
        {
            throw new InvalidOperationException($"BPOD {bpod.Name} does not enlist unknown machines; add {mac} by hand or enable enlistment.");
        }

        var zone = await zones.GetAsync(bpod.ZoneId, cancellationToken).ConfigureAwait(false);
        for (var attempt = 0; attempt < MaxNameAttempts; attempt++)
        {
            var slot = await nodes.MaxSlotAsync(bpod.Id, cancellationToken).ConfigureAwait(false) + 1 + attempt;
            var now = time.GetUtcNow();
            var node = new Node
            {
                Id = Guid.CreateVersion7(now),
                Hostname = FormatHostname(bpod.NamingPattern, zone?.Name ?? "zone", bpod.Name, slot, mac),
                BpodId = bpod.Id,
                Slot = slot,
                Interfaces = [new NodeInterface(mac, IsPxe: true)],
                State = NodeState.New,
                SystemUuid = details?.SystemUuid,
                CreatedAt = now,
                UpdatedAt = now,
            };
            try
            {
                var added = await nodes.AddAsync(node, cancellationToken).ConfigureAwait(false);
                await nodes.AppendHistoryAsync(new NodeHistoryEntry
                {
                    NodeId = added.Id, At = now, Actor = actor, Kind = "enlist", ToState = NodeState.New,
                    Message = $"Enlisted from PXE boot of {mac} in BPOD {bpod.Name}{(details?.Architecture is { } a ? $" ({a})" : "")}.",
                }, cancellationToken).ConfigureAwait(false);
                return new EnlistmentResult(added, true);
            }
            catch (DuplicateException)
            {
                // Either another packet enlisted this MAC first (return its node), or the name/slot was taken: try the next slot.
                if (await nodes.FindByMacAsync(mac, cancellationToken).ConfigureAwait(false) is { } winner)
                {
                    return new EnlistmentResult(winner, false);
                }
            }
        }

        throw new InvalidOperationException($"Could not find a free hostname for {mac} in BPOD {bpod.Name} with pattern '{bpod.NamingPattern}'.");
    }

    /// <summary>
    /// Expands a naming pattern: {zone}, {bpod}, {slot} or {slot:000} (.NET number format), {mac} (12 hex digits).
    /// The result is a valid DNS label: lower case, [a-z0-9-], at most 63 characters.
    /// </summary>
    public static string FormatHostname(string pattern, string zone, string bpod, int slot, MacAddress mac)
    {
        var text = PlaceholderRegex().Replace(pattern, m => m.Groups["name"].Value switch
        {
            "zone" => zone,
            "bpod" => bpod,
            "slot" => slot.ToString(m.Groups["format"].Success ? m.Groups["format"].Value : "0", CultureInfo.InvariantCulture),
            "mac" => mac.ToString().Replace(":", "", StringComparison.Ordinal),
            _ => m.Value,
        });
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        }

        var label = Regex.Replace(sb.ToString(), "-{2,}", "-").Trim('-');
        if (label.Length > 63)
        {
            label = label[..63].TrimEnd('-');
        }

        return label.Length == 0 ? "node-" + mac.ToString().Replace(":", "", StringComparison.Ordinal) : label;
    }

    [GeneratedRegex(@"\{(?<name>[a-z]+)(:(?<format>[0#]+))?\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderRegex();
}
