using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;

namespace Provisioner.Dhcp.Leases;

/// <summary>
/// Finds a free address in a scope's ranges. A cursor walks never-used addresses first (O(1) per allocation
/// while the pool fills, like Kea's iterative allocator); once every address has been used it scans for
/// expired or released ones; last it takes back the oldest outstanding offer.
/// </summary>
internal sealed class AddressPool
{
    private readonly (uint Start, uint End)[] _ranges;
    private int _range;
    private uint _cursor;

    public AddressPool(DhcpScope scope)
    {
        Scope = scope;
        _ranges = scope.Ranges.Select(r => (Ipv4.ToUInt32(r.Start), Ipv4.ToUInt32(r.End))).Where(r => r.Item1 <= r.Item2).ToArray();
        if (_ranges.Length > 0)
        {
            _cursor = _ranges[0].Start;
        }
    }

    public DhcpScope Scope { get; }

    /// <summary>True when the address lies in one of the dynamic ranges.</summary>
    public bool InRange(uint address)
    {
        foreach (var (s, e) in _ranges)
        {
            if (address >= s && address <= e)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A free address for <paramref name="clientKey"/>, or null when the pool is exhausted.</summary>
    public uint? Allocate(LeaseTable table, string clientKey, DateTimeOffset now, Func<uint, bool> excluded)
    {
        // Pass 1: addresses nobody has ever held, from the cursor on.
        while (_range < _ranges.Length)
        {
            var (_, end) = _ranges[_range];
            while (_cursor <= end)
            {
                var a = _cursor;
                _cursor = a == uint.MaxValue ? a : a + 1;
                if (table.ByAddress(a) is null && !excluded(a))
                {
                    return a;
                }

                if (a == uint.MaxValue)
                {
                    break;
                }
            }

            _range++;
            if (_range < _ranges.Length)
            {
                _cursor = _ranges[_range].Start;
            }
        }

        // Pass 2: every address has been used once; reuse released, expired or no-longer-declined ones.
        foreach (var (start, end) in _ranges)
        {
            for (var a = start; ; a++)
            {
                if (table.IsFreeFor(a, clientKey, now) && !excluded(a))
                {
                    return a;
                }

                if (a == end)
                {
                    break;
                }
            }
        }

        // Pass 3: an offer is a promise, not a lease. When a flood of DISCOVERs (spoofed MACs) has every free address
        // on offer, the oldest unanswered offer is given up instead of refusing everyone; its client would get a NAK
        // on REQUEST and start over.
        LeaseEntry? oldest = null;
        foreach (var (start, end) in _ranges)
        {
            for (var a = start; ; a++)
            {
                if (table.ByAddress(a) is { State: LeaseEntryState.Offered } e && e.LeaseExpires <= now && !excluded(a)
                    && (oldest is null || e.Expires < oldest.Expires))
                {
                    oldest = e;
                }

                if (a == end)
                {
                    break;
                }
            }
        }

        return oldest?.Address;
    }
}
