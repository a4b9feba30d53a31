using System.Net;
using Provisioner.Dhcp.Protocol;

namespace Provisioner.Dhcp.Scopes;

/// <summary>An inclusive range of addresses handed out dynamically.</summary>
public sealed record DhcpAddressRange(IPAddress Start, IPAddress End);

/// <summary>A classless static route (RFC 3442): destination prefix and the router to reach it.</summary>
public sealed record DhcpStaticRoute(IPAddress Destination, int PrefixLength, IPAddress Gateway);

/// <summary>
/// One subnet served by the server: in Provisioner, one per BPOD (rack). It is selected by the relay address
/// (giaddr, or link selection) for routed racks, or by the interface a broadcast arrived on for local ones.
/// </summary>
public sealed record DhcpScope
{
    /// <summary>Stable identifier (the BPOD name); stored with each lease.</summary>
    public required string Id { get; init; }

    /// <summary>Network address of the subnet.</summary>
    public required IPAddress Network { get; init; }

    /// <summary>Prefix length of the subnet (option 1 is derived from it).</summary>
    public required int PrefixLength { get; init; }

    /// <summary>Dynamic ranges; may be empty when only reservations are served.</summary>
    public IReadOnlyList<DhcpAddressRange> Ranges { get; init; } = [];

    /// <summary>Option 3.</summary>
    public IPAddress? Router { get; init; }

    /// <summary>Option 6.</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    /// <summary>Option 15.</summary>
    public string? DomainName { get; init; }

    /// <summary>Option 42.</summary>
    public IReadOnlyList<IPAddress> NtpServers { get; init; } = [];

    /// <summary>Option 51; T1 (58) and T2 (59) are 1/2 and 7/8 of it (RFC 2131 §4.4.5).</summary>
    public TimeSpan LeaseTime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Option 26, when set.</summary>
    public int? Mtu { get; init; }

    /// <summary>Option 121 (RFC 3442).</summary>
    public IReadOnlyList<DhcpStaticRoute> StaticRoutes { get; init; } = [];

    /// <summary>Relay agent addresses (giaddr) that select this scope besides any address inside the subnet.</summary>
    public IReadOnlyList<IPAddress> RelayAddresses { get; init; } = [];

    /// <summary>Interface that serves this scope directly (broadcasts arriving on it), or null for relayed-only scopes.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Server identifier (option 54) and default next-server for this scope; null uses the interface's address.</summary>
    public IPAddress? ServerIdentifier { get; init; }

    /// <summary>Whether clients without a reservation may get an address and boot (discovery for this BPOD).</summary>
    public bool AllowUnknownClients { get; init; } = true;

    /// <summary>True when <paramref name="address"/> is inside the subnet.</summary>
    public bool Contains(IPAddress address)
    {
        var mask = Ipv4.Mask(PrefixLength);
        return (Ipv4.ToUInt32(address) & mask) == (Ipv4.ToUInt32(Network) & mask);
    }

    /// <summary>The subnet mask.</summary>
    public IPAddress SubnetMask => Ipv4.FromUInt32(Ipv4.Mask(PrefixLength));
}
