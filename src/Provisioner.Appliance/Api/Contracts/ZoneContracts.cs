using System.Globalization;
using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Appliance.Api.Contracts;

public sealed record ZoneDto(Guid Id, string Name, string? Description, DateTimeOffset CreatedAt)
{
    public static ZoneDto From(Zone z) => new(z.Id, z.Name, z.Description, z.CreatedAt);
}

public sealed record ZoneRequest(string? Name, string? Description);

public sealed record BpodDto(
    Guid Id,
    Guid ZoneId,
    string Name,
    string NetworkType,
    string ProvisioningSubnet,
    string? Gateway,
    string[] DnsServers,
    string[] NtpServers,
    string? DomainName,
    string DynamicRangeStart,
    string DynamicRangeEnd,
    string[] RelayAddresses,
    string? InterfaceName,
    string? ManagementSubnet,
    string? TorSwitchAddress,
    string NamingPattern,
    bool EnlistUnknown,
    int Mtu,
    int LeaseTimeSeconds,
    DateTimeOffset CreatedAt,
    BpodNetworkDto Network)
{
    public static BpodDto From(Bpod b) => new(b.Id, b.ZoneId, b.Name, ApiNames.Of(b.NetworkType), b.ProvisioningSubnet.ToString(),
        b.Gateway?.ToString(), b.DnsServers.Select(a => a.ToString()).ToArray(), b.NtpServers.Select(a => a.ToString()).ToArray(), b.DomainName,
        b.DynamicRangeStart.ToString(), b.DynamicRangeEnd.ToString(), b.RelayAddresses.Select(a => a.ToString()).ToArray(), b.InterfaceName,
        b.ManagementSubnet?.ToString(), b.TorSwitchAddress?.ToString(), b.NamingPattern, b.EnlistUnknown, b.Mtu, (int)b.LeaseTime.TotalSeconds,
        b.CreatedAt, BpodNetworkDto.From(b.Network));
}

/// <summary>Create (all required fields) or change (only the fields given) a BPOD.</summary>
public sealed record BpodRequest(
    Guid? ZoneId,
    string? Name,
    string? NetworkType,
    string? ProvisioningSubnet,
    string? Gateway,
    string[]? DnsServers,
    string[]? NtpServers,
    string? DomainName,
    string? DynamicRangeStart,
    string? DynamicRangeEnd,
    string[]? RelayAddresses,
    string? InterfaceName,
    string? ManagementSubnet,
    string? TorSwitchAddress,
    string? NamingPattern,
    bool? EnlistUnknown,
    int? Mtu,
    int? LeaseTimeSeconds,
    BpodNetworkRequest? Network = null)
{
    /// <summary>Applies this request over <paramref name="current"/> (null: create), checking every field.</summary>
    public Bpod ToBpod(Bpod? current, Guid id, DateTimeOffset now)
    {
        var e = new ValidationErrors();
        var zoneId = ZoneId ?? current?.ZoneId;
        if (zoneId is null)
        {
            e.Add("zoneId", "Give the zone the BPOD belongs to.");
        }

        var name = Name?.Trim() ?? current?.Name;
        if (ApiValidation.InvalidName(name) is { } nameProblem)
        {
            e.Add("name", nameProblem);
        }

        var type = current?.NetworkType ?? BpodNetworkType.L2;
        if (NetworkType is not null && !ApiNames.TryParse(NetworkType, out type))
        {
            e.Add("networkType", "Use l2 (same segment as the appliance) or l3 (DHCP relayed by the rack switch).");
        }

        Ipv4Network? subnet = current?.ProvisioningSubnet;
        if (ProvisioningSubnet is not null)
        {
            subnet = Ipv4Network.TryParse(ProvisioningSubnet, out var s) ? s : null;
            if (subnet is null)
            {
                e.Add("provisioningSubnet", $"'{ProvisioningSubnet}' is not an IPv4 network in CIDR form (e.g. 10.77.0.0/24).");
            }
        }
        else if (subnet is null)
        {
            e.Add("provisioningSubnet", "Give the provisioning subnet in CIDR form (e.g. 10.77.0.0/24).");
        }

        var start = ApiValidation.Address(e, "dynamicRangeStart", DynamicRangeStart) ?? current?.DynamicRangeStart;
        var end = ApiValidation.Address(e, "dynamicRangeEnd", DynamicRangeEnd) ?? current?.DynamicRangeEnd;
        if (start is null && DynamicRangeStart is null)
        {
            e.Add("dynamicRangeStart", "Give the first address of the DHCP range.");
        }

        if (end is null && DynamicRangeEnd is null)
        {
            e.Add("dynamicRangeEnd", "Give the last address of the DHCP range.");
        }

        if (subnet is { } net && start is not null && end is not null)
        {
            if (!net.Contains(start))
            {
                e.Add("dynamicRangeStart", $"{start} is outside {net}.");
            }

            if (!net.Contains(end))
            {
                e.Add("dynamicRangeEnd", $"{end} is outside {net}.");
            }

            if (Ipv4Network.ToUInt32(start) > Ipv4Network.ToUInt32(end))
            {
                e.Add("dynamicRangeEnd", $"The range ends ({end}) before it starts ({start}).");
            }
        }

        var gateway = ApiValidation.Address(e, "gateway", Gateway) ?? (Gateway is null ? current?.Gateway : null);
        if (gateway is not null && subnet is { } gnet && !gnet.Contains(gateway))
        {
            e.Add("gateway", $"The gateway {gateway} is outside {gnet}.");
        }

        var dns = DnsServers is null ? current?.DnsServers ?? [] : ApiValidation.Addresses(e, "dnsServers", DnsServers);
        var ntp = NtpServers is null ? current?.NtpServers ?? [] : ApiValidation.Addresses(e, "ntpServers", NtpServers);
        var relays = RelayAddresses is null ? current?.RelayAddresses ?? [] : ApiValidation.Addresses(e, "relayAddresses", RelayAddresses);
        if (type == BpodNetworkType.L3 && relays.Count == 0)
        {
            e.Add("relayAddresses", "An l3 BPOD needs the relay (giaddr) address of its rack switch.");
        }

        Ipv4Network? mgmt = current?.ManagementSubnet;
        if (ManagementSubnet is not null)
        {
            mgmt = ManagementSubnet.Length == 0 ? null : Ipv4Network.TryParse(ManagementSubnet, out var m) ? m : null;
            if (ManagementSubnet.Length > 0 && mgmt is null)
            {
                e.Add("managementSubnet", $"'{ManagementSubnet}' is not an IPv4 network in CIDR form.");
            }
        }

        var tor = ApiValidation.Address(e, "torSwitchAddress", TorSwitchAddress) ?? (TorSwitchAddress is null ? current?.TorSwitchAddress : null);
        var pattern = NamingPattern ?? current?.NamingPattern ?? "{zone}-{bpod}-{slot:00}";
        if (!pattern.Contains("{slot", StringComparison.Ordinal) && !pattern.Contains("{mac}", StringComparison.Ordinal))
        {
            e.Add("namingPattern", "The pattern must contain {slot} or {mac} so that enlisted nodes get distinct names.");
        }

        var mtu = Mtu ?? current?.Mtu ?? 1500;
        if (mtu is < 576 or > 9216)
        {
            e.Add("mtu", "Use an MTU between 576 and 9216.");
        }

        var lease = LeaseTimeSeconds ?? (int?)current?.LeaseTime.TotalSeconds ?? 3600;
        if (lease is < 60 or > 604800)
        {
            e.Add("leaseTimeSeconds", "Use a lease time between 60 s and 7 days.");
        }

        var layout = Network is null ? current?.Network ?? BpodNetworkLayout.Empty : Network.ToLayout(e);
        e.ThrowIfAny();
        var bpod = new Bpod
        {
            Id = id,
            ZoneId = zoneId!.Value,
            Name = name!,
            NetworkType = type,
            ProvisioningSubnet = subnet!.Value,
            Gateway = gateway,
            DnsServers = dns,
            NtpServers = ntp,
            DomainName = DomainName ?? current?.DomainName,
            DynamicRangeStart = start!,
            DynamicRangeEnd = end!,
            RelayAddresses = relays,
            InterfaceName = InterfaceName ?? current?.InterfaceName,
            ManagementSubnet = mgmt,
            TorSwitchAddress = tor,
            TorSwitchCommunitySecret = current?.TorSwitchCommunitySecret,
            NamingPattern = pattern,
            EnlistUnknown = EnlistUnknown ?? current?.EnlistUnknown ?? true,
            Mtu = mtu,
            LeaseTime = TimeSpan.FromSeconds(lease),
            Network = layout,
            CreatedAt = current?.CreatedAt ?? now,
        };

        // Checked on the whole BPOD: a changed subnet or MTU can invalidate a layout the request did not touch.
        foreach (var problem in bpod.ValidateNetwork())
        {
            e.Add(problem.Field, problem.Message);
        }

        e.ThrowIfAny();
        return bpod;
    }
}

/// <summary>Field checks shared by the request mappers.</summary>
public static class ApiValidation
{
    public static string? InvalidName(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Give a name."
        : name.Length > 63 ? "Use at most 63 characters."
        : !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? "Use letters, digits, '-', '_' and '.' only."
        : null;

    /// <summary>An image name also names its files and directory in the images directory: no leading dot (".", "..", hidden files).</summary>
    public static string? InvalidImageName(string? name) =>
        InvalidName(name) ?? (name!.StartsWith('.') ? "Start with a letter or digit: the name becomes a file or directory name in the images directory." : null);

    /// <summary>RFC 1123 host label rules (letters, digits, hyphens; no leading/trailing hyphen), dots allowed for FQDNs.</summary>
    public static string? InvalidHostname(string? name) =>
        string.IsNullOrWhiteSpace(name) ? "Give a hostname."
        : name.Length > 253 ? "Use at most 253 characters."
        : name.Split('.').Any(l => l.Length is 0 or > 63 || l[0] == '-' || l[^1] == '-' || !l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            ? "Use letters, digits and '-' in labels of 1-63 characters (RFC 1123), not starting or ending with '-'."
        : null;

    public static IPAddress? Address(ValidationErrors e, string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (IPAddress.TryParse(text.Trim(), out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && text.Count(c => c == '.') == 3)
        {
            return a;
        }

        e.Add(field, $"'{text}' is not an IPv4 address.");
        return null;
    }

    public static IReadOnlyList<IPAddress> Addresses(ValidationErrors e, string field, string[] texts) =>
        texts.Select((t, i) => Address(e, string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]"), t)).OfType<IPAddress>().ToArray();
}
