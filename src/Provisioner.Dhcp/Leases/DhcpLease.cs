using System.Net;
using System.Net.NetworkInformation;

namespace Provisioner.Dhcp.Leases;

/// <summary>State of a persisted lease record. Numbers are stored: do not renumber.</summary>
public enum DhcpLeaseState : byte
{
    /// <summary>Bound to the client until <see cref="DhcpLease.Expires"/>.</summary>
    Active = 0,

    /// <summary>The client released it; the address is free but remembered for that client.</summary>
    Released = 1,

    /// <summary>A client declined it (address conflict); unusable until <see cref="DhcpLease.Expires"/>.</summary>
    Declined = 2,
}

/// <summary>One lease as stored: the latest record per address wins.</summary>
/// <param name="Address">The leased IPv4 address.</param>
/// <param name="Mac">chaddr of the client.</param>
/// <param name="ClientId">Option 61 when the client sent one (then it identifies the client, not the MAC).</param>
/// <param name="Expires">End of the lease (or of the decline hold).</param>
/// <param name="State">Active, released or declined.</param>
/// <param name="ScopeId">The scope that handed it out.</param>
/// <param name="HostName">Host name from the reservation or option 12.</param>
public sealed record DhcpLease(
    IPAddress Address,
    PhysicalAddress Mac,
    byte[]? ClientId,
    DateTimeOffset Expires,
    DhcpLeaseState State,
    string ScopeId,
    string? HostName = null);
