using System.Net;
using System.Net.NetworkInformation;
using Provisioner.Dhcp.Protocol;

namespace Provisioner.Dhcp.Leases;

/// <summary>In-memory state of one address.</summary>
internal enum LeaseEntryState
{
    /// <summary>Held for the client it was offered to until Expires (not persisted).</summary>
    Offered,
    Active,
    Released,
    Declined,
}

/// <summary>The server's record of one address (mutable; owned by the server's single worker).</summary>
internal sealed class LeaseEntry
{
    public required uint Address { get; init; }

    /// <summary>Who holds or last held it; empty for declined addresses.</summary>
    public required string ClientKey { get; set; }

    public required PhysicalAddress Mac { get; set; }

    public byte[]? ClientId { get; set; }

    public required string ScopeId { get; set; }

    public string? HostName { get; set; }

    public LeaseEntryState State { get; set; }

    /// <summary>End of the offer hold, the lease, or the decline hold.</summary>
    public DateTimeOffset Expires { get; set; }

    /// <summary>Lease end before an offer hold started, so a renewing client's lease is not shortened by a new DISCOVER.</summary>
    public DateTimeOffset LeaseExpires { get; set; }

    public DhcpLease ToLease() => new(Ipv4.FromUInt32(Address), Mac, ClientId,
        State == LeaseEntryState.Offered ? LeaseExpires : Expires,
        State switch { LeaseEntryState.Declined => DhcpLeaseState.Declined, LeaseEntryState.Released => DhcpLeaseState.Released, _ => DhcpLeaseState.Active },
        ScopeId, HostName);
}

/// <summary>
/// All addresses the server knows, indexed by address and by client. An address is usable by a client when nobody
/// else holds it: no entry, or the entry is that client's, or the other holder's lease, offer or decline hold has ended.
/// </summary>
internal sealed class LeaseTable
{
    private readonly Dictionary<uint, LeaseEntry> _byAddress = [];
    private readonly Dictionary<string, LeaseEntry> _byClient = new(StringComparer.Ordinal);

    public int Count => _byAddress.Count;

    public IEnumerable<LeaseEntry> Entries => _byAddress.Values;

    /// <summary>The key that identifies a client: option 61 when present (RFC 2131 §4.2), else htype + chaddr.</summary>
    public static string ClientKey(DhcpPacket request)
    {
        var id = request.Options.Get(DhcpOptionCode.ClientIdentifier);
        return id is { Length: > 0 }
            ? "id:" + Convert.ToHexString(id)
            : "hw:" + request.HardwareType.ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexString(request.ClientHardwareAddress, 0, Math.Min((int)request.HardwareAddressLength, 16));
    }

    /// <summary>The key of a stored lease (same rule as <see cref="ClientKey(DhcpPacket)"/>, Ethernet assumed when only a MAC is stored).</summary>
    public static string ClientKey(DhcpLease lease) => lease.ClientId is { Length: > 0 } id
        ? "id:" + Convert.ToHexString(id)
        : "hw:01" + Convert.ToHexString(lease.Mac.GetAddressBytes());

    public void Load(IEnumerable<DhcpLease> leases)
    {
        foreach (var l in leases)
        {
            var key = l.State == DhcpLeaseState.Declined ? string.Empty : ClientKey(l);
            var e = new LeaseEntry
            {
                Address = Ipv4.ToUInt32(l.Address),
                ClientKey = key,
                Mac = l.Mac,
                ClientId = l.ClientId,
                ScopeId = l.ScopeId,
                HostName = l.HostName,
                State = l.State switch { DhcpLeaseState.Declined => LeaseEntryState.Declined, DhcpLeaseState.Released => LeaseEntryState.Released, _ => LeaseEntryState.Active },
                Expires = l.Expires,
                LeaseExpires = l.Expires,
            };
            Put(e);
        }
    }

    public LeaseEntry? ByAddress(uint address) => _byAddress.GetValueOrDefault(address);

    public LeaseEntry? ByClient(string clientKey) => _byClient.GetValueOrDefault(clientKey);

    /// <summary>True when <paramref name="clientKey"/> may take <paramref name="address"/> now.</summary>
    public bool IsFreeFor(uint address, string clientKey, DateTimeOffset now)
    {
        if (!_byAddress.TryGetValue(address, out var e))
        {
            return true;
        }

        if (e.State == LeaseEntryState.Declined)
        {
            return e.Expires <= now;
        }

        return string.Equals(e.ClientKey, clientKey, StringComparison.Ordinal) || IsFree(e, now);
    }

    /// <summary>True when nobody holds the entry's address.</summary>
    public static bool IsFree(LeaseEntry e, DateTimeOffset now) => e.State switch
    {
        LeaseEntryState.Released => true,
        LeaseEntryState.Offered => e.Expires <= now && e.LeaseExpires <= now,
        _ => e.Expires <= now,
    };

    /// <summary>Gives <paramref name="address"/> to a client (offer or lease), taking it from a former holder.</summary>
    public LeaseEntry Take(uint address, string clientKey, PhysicalAddress mac, byte[]? clientId, string scopeId)
    {
        if (_byAddress.TryGetValue(address, out var e))
        {
            if (!string.Equals(e.ClientKey, clientKey, StringComparison.Ordinal))
            {
                if (e.ClientKey.Length > 0 && _byClient.TryGetValue(e.ClientKey, out var old) && old == e)
                {
                    _byClient.Remove(e.ClientKey);
                }

                e.ClientKey = clientKey;
                e.LeaseExpires = DateTimeOffset.MinValue;
                e.State = LeaseEntryState.Released;
            }

            e.Mac = mac;
            e.ClientId = clientId;
            e.ScopeId = scopeId;
        }
        else
        {
            e = new LeaseEntry { Address = address, ClientKey = clientKey, Mac = mac, ClientId = clientId, ScopeId = scopeId, State = LeaseEntryState.Released };
            _byAddress[address] = e;
        }

        // One address per client: a client moving to another address (other scope, reservation) frees the old one.
        if (_byClient.TryGetValue(clientKey, out var previous) && previous != e)
        {
            previous.State = LeaseEntryState.Released;
        }

        _byClient[clientKey] = e;
        return e;
    }

    /// <summary>Marks an address declined: nobody gets it until the hold ends.</summary>
    public void Decline(LeaseEntry e, DateTimeOffset until)
    {
        if (e.ClientKey.Length > 0 && _byClient.TryGetValue(e.ClientKey, out var cur) && cur == e)
        {
            _byClient.Remove(e.ClientKey);
        }

        e.ClientKey = string.Empty;
        e.State = LeaseEntryState.Declined;
        e.Expires = until;
        e.LeaseExpires = until;
    }

    public int CountActive(DateTimeOffset now)
    {
        var n = 0;
        foreach (var e in _byAddress.Values)
        {
            if (e.State == LeaseEntryState.Active && e.Expires > now)
            {
                n++;
            }
        }

        return n;
    }

    private void Put(LeaseEntry e)
    {
        _byAddress[e.Address] = e;
        if (e.ClientKey.Length > 0)
        {
            // The newest lease of a client wins its index entry when the file holds several addresses for it.
            if (!_byClient.TryGetValue(e.ClientKey, out var cur) || cur.Expires < e.Expires)
            {
                _byClient[e.ClientKey] = e;
            }
        }
    }

    /// <summary>For diagnostics and tests.</summary>
    public static IPAddress AddressOf(LeaseEntry e) => Ipv4.FromUInt32(e.Address);
}
