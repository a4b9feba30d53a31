using System.Globalization;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Appliance.Api.Contracts;

/// <summary>A bond of a BPOD's layout. <c>members</c>: <c>all</c>, <c>non-pxe</c>, <c>names:eno2,eno3</c> or <c>indices:1,2</c>.</summary>
public sealed record BondDto(string Name, string Mode, string Members, int? Mtu, string? LacpRate, string? TransmitHashPolicy);

/// <summary>A VLAN of a BPOD's layout. <c>addressing</c>: <c>provisioning-host</c>, <c>slot</c>, <c>dhcp</c> or <c>none</c>.</summary>
public sealed record VlanDto(int Id, string Name, string Link, string Subnet, string? Gateway, int? Mtu, string[] DnsServers, string Addressing,
    int HostOffset);

/// <summary>The bonds and VLANs every node of the BPOD gets (see docs/api.md).</summary>
public sealed record BpodNetworkDto(BondDto[] Bonds, VlanDto[] Vlans, string? ProvisioningLink, string? DefaultRouteVlan)
{
    public static BpodNetworkDto From(BpodNetworkLayout layout) => new(
        layout.Bonds.Select(b => new BondDto(b.Name, b.Mode, b.Members.ToString(), b.Mtu, b.LacpRate, b.TransmitHashPolicy)).ToArray(),
        layout.Vlans.Select(v => new VlanDto(v.Id, v.Name, v.Link, v.Subnet.ToString(), v.Gateway?.ToString(), v.Mtu,
            v.DnsServers.Select(d => d.ToString()).ToArray(), ApiNames.Of(v.Addressing), v.HostOffset)).ToArray(),
        layout.ProvisioningLink, layout.DefaultRouteVlan);
}

public sealed record BondRequest(string? Name, string? Mode, string? Members, int? Mtu, string? LacpRate, string? TransmitHashPolicy);

public sealed record VlanRequest(int? Id, string? Name, string? Link, string? Subnet, string? Gateway, int? Mtu, string[]? DnsServers,
    string? Addressing, int? HostOffset);

/// <summary>A BPOD's whole network layout: when given, it replaces the current one (<c>{}</c> removes it).</summary>
public sealed record BpodNetworkRequest(BondRequest[]? Bonds, VlanRequest[]? Vlans, string? ProvisioningLink, string? DefaultRouteVlan)
{
    /// <summary>Reads the fields (syntax only, into <paramref name="e"/>); <see cref="Bpod.ValidateNetwork"/> checks the rest.</summary>
    public BpodNetworkLayout ToLayout(ValidationErrors e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var bonds = (Bonds ?? []).Select((b, i) => ToBond(b, Field($"network.bonds[{i}]"), e)).ToArray();
        var vlans = (Vlans ?? []).Select((v, i) => ToVlan(v, Field($"network.vlans[{i}]"), e)).ToArray();
        return new BpodNetworkLayout
        {
            Bonds = bonds,
            Vlans = vlans,
            ProvisioningLink = Blank(ProvisioningLink),
            DefaultRouteVlan = Blank(DefaultRouteVlan),
        };
    }

    private static BondDefinition ToBond(BondRequest? b, string field, ValidationErrors e)
    {
        var name = Blank(b?.Name);
        if (name is null)
        {
            e.Add(field + ".name", "Give the bond's interface name (e.g. bond0).");
        }

        var members = BondMemberRule.AllInterfaces;
        if (Blank(b?.Members) is null)
        {
            e.Add(field + ".members", "Give the member rule: all, non-pxe, names:eno2,eno3 or indices:1,2 (0 is the node's first interface).");
        }
        else if (!BondMemberRule.TryParse(b!.Members, out members, out var problem))
        {
            e.Add(field + ".members", problem!);
        }

        return new BondDefinition
        {
            Name = name ?? string.Empty,
            Mode = Blank(b?.Mode) ?? BondModes.Lacp,
            Members = members,
            Mtu = b?.Mtu,
            LacpRate = Blank(b?.LacpRate),
            TransmitHashPolicy = Blank(b?.TransmitHashPolicy),
        };
    }

    private static VlanDefinition ToVlan(VlanRequest? v, string field, ValidationErrors e)
    {
        if (v?.Id is null)
        {
            e.Add(field + ".id", "Give the VLAN id (1..4094).");
        }

        var link = Blank(v?.Link);
        if (link is null)
        {
            e.Add(field + ".link", $"Give the VLAN's link: a bond of the layout or '{BpodNetworkLayout.PxeLink}' (the PXE interface).");
        }

        var subnet = default(Ipv4Network);
        if (Blank(v?.Subnet) is not { } subnetText)
        {
            e.Add(field + ".subnet", "Give the VLAN's subnet in CIDR form (e.g. 10.120.0.0/24).");
        }
        else if (!Ipv4Network.TryParse(subnetText, out subnet))
        {
            e.Add(field + ".subnet", $"'{subnetText}' is not an IPv4 network in CIDR form (e.g. 10.120.0.0/24).");
        }

        var addressing = VlanAddressing.ProvisioningHost;
        if (Blank(v?.Addressing) is { } addressingText && !ApiNames.TryParse(addressingText, out addressing))
        {
            e.Add(field + ".addressing", $"'{addressingText}' is not an addressing; use {string.Join(", ", ApiNames.All<VlanAddressing>())}.");
        }

        var id = v?.Id ?? 0;
        return new VlanDefinition
        {
            Id = id,
            Name = Blank(v?.Name) ?? $"{link}.{id.ToString(CultureInfo.InvariantCulture)}",
            Link = link ?? string.Empty,
            Subnet = subnet,
            Gateway = ApiValidation.Address(e, field + ".gateway", v?.Gateway),
            Mtu = v?.Mtu,
            DnsServers = ApiValidation.Addresses(e, field + ".dnsServers", v?.DnsServers ?? []),
            Addressing = addressing,
            HostOffset = v?.HostOffset ?? 0,
        };
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Field(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
