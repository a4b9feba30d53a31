using System.Net;
using System.Net.NetworkInformation;

namespace Provisioner.Dhcp.Scopes;

/// <summary>A fixed address for one MAC, from the inventory.</summary>
public sealed record DhcpReservation(PhysicalAddress Mac, IPAddress Address, string? HostName = null);

/// <summary>
/// Where the server learns its subnets and reservations. Called on every packet, so implementations
/// answer from memory (the appliance keeps an inventory snapshot and swaps it on change).
/// </summary>
public interface IDhcpScopeSource
{
    /// <summary>The current scopes.</summary>
    IReadOnlyList<DhcpScope> Scopes { get; }

    /// <summary>The reservation of <paramref name="mac"/>, or null.</summary>
    DhcpReservation? FindReservation(PhysicalAddress mac);

    /// <summary>True when <paramref name="address"/> is reserved for some MAC (never handed out dynamically).</summary>
    bool IsReserved(IPAddress address);
}
