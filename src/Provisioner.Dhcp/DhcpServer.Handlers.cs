using System.Net;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;
using Provisioner.Net;

namespace Provisioner.Dhcp;

public sealed partial class DhcpServer
{
    private async Task HandleAsync(Inbound item, CancellationToken ct)
    {
        DhcpPacket request;
        try
        {
            request = DhcpPacketReader.Parse(item.Buffer.AsSpan(0, item.Datagram.Length));
        }
        catch (DhcpProtocolException e)
        {
            Drop(ToDropReason(e.Reason), item.Datagram.Remote, item.Channel, e.Message);
            return;
        }

        if (request.Op != DhcpOpCode.BootRequest)
        {
            Drop(DhcpDropReason.NotRequest, item.Datagram.Remote, item.Channel, $"op {(byte)request.Op}");
            return;
        }

        var type = request.MessageType;
        if (type == DhcpMessageType.None)
        {
            Drop(DhcpDropReason.NoMessageType, item.Datagram.Remote, item.Channel, "BOOTP without option 53");
            return;
        }

        Counters.Received(type);
        if (_ignoredClients.Count > 0 && _ignoredClients.Contains(request.HardwareAddress))
        {
            // Our own probe: silently, it is no problem of the network.
            Counters.Dropped(DhcpDropReason.IgnoredClient);
            return;
        }

        var ctx = new RequestContext(item, request, LeaseTable.ClientKey(request));
        ctx.Scope = SelectScope(ctx);
        ctx.ServerAddress = ServerAddressFor(ctx);
        if (ctx.ServerAddress is null)
        {
            Finish(ctx, DhcpDropReason.NoServerAddress, "no server address for this interface");
            return;
        }

        if (_options.Mode == DhcpServerMode.Proxy)
        {
            await HandleProxyAsync(ctx, ct).ConfigureAwait(false);
            return;
        }

        switch (type)
        {
            case DhcpMessageType.Discover:
                await HandleDiscoverAsync(ctx, ct).ConfigureAwait(false);
                break;
            case DhcpMessageType.Request:
                await HandleRequestAsync(ctx, ct).ConfigureAwait(false);
                break;
            case DhcpMessageType.Decline:
                HandleDecline(ctx);
                break;
            case DhcpMessageType.Release:
                HandleRelease(ctx);
                break;
            case DhcpMessageType.Inform:
                await HandleInformAsync(ctx, ct).ConfigureAwait(false);
                break;
            default:
                Finish(ctx, DhcpDropReason.UnexpectedMessageType, type.ToString());
                break;
        }
    }

    private async Task HandleDiscoverAsync(RequestContext ctx, CancellationToken ct)
    {
        if (!_rateLimiter.TryAcquire(ctx.Mac))
        {
            Finish(ctx, DhcpDropReason.RateLimited, "DISCOVER rate limit");
            return;
        }

        if (ctx.Scope is not { } scope)
        {
            Finish(ctx, DhcpDropReason.NoScope, "no scope for this interface or relay");
            return;
        }

        var now = _time.GetUtcNow();
        var reservation = ReservationIn(scope, ctx);
        uint? chosen;
        lock (_tableGate)
        {
            chosen = ChooseAddress(ctx, scope, reservation, now);
        }

        if (chosen is not { } address)
        {
            Finish(ctx, DhcpDropReason.PoolExhausted, "no free address in scope " + scope.Id);
            return;
        }

        var decision = await DecideAsync(ctx, reservation, Ipv4.FromUInt32(address), ct).ConfigureAwait(false);
        if (decision.Action == DhcpBootAction.Ignore)
        {
            Finish(ctx, DhcpDropReason.PolicyIgnored, decision.Reason);
            return;
        }

        lock (_tableGate)
        {
            var e = _table.Take(address, ctx.ClientKey, ctx.Mac, ClientId(ctx.Request), scope.Id);
            if (e.State is LeaseEntryState.Active or LeaseEntryState.Offered)
            {
                // The client's own lease stays valid while it is offered again.
                e.LeaseExpires = e.State == LeaseEntryState.Active ? e.Expires : e.LeaseExpires;
            }
            else
            {
                e.LeaseExpires = DateTimeOffset.MinValue;
            }

            e.State = LeaseEntryState.Offered;
            e.Expires = now + _options.OfferHoldTime;
            e.HostName = reservation?.HostName ?? e.HostName;
        }

        Reply(ctx, DhcpMessageType.Offer, address, scope, reservation, decision, needsCommit: false);
    }

    private async Task HandleRequestAsync(RequestContext ctx, CancellationToken ct)
    {
        var req = ctx.Request;
        var serverId = req.Options.GetAddress(DhcpOptionCode.ServerIdentifier);
        var requested = req.Options.GetAddress(DhcpOptionCode.RequestedIpAddress);
        var now = _time.GetUtcNow();

        if (serverId is not null && !serverId.Equals(ctx.ServerAddress))
        {
            // RFC 2131 §4.3.2 SELECTING: the client chose another server; free what we offered it.
            lock (_tableGate)
            {
                if (_table.ByClient(ctx.ClientKey) is { State: LeaseEntryState.Offered } offered)
                {
                    offered.State = offered.LeaseExpires > now ? LeaseEntryState.Active : LeaseEntryState.Released;
                    offered.Expires = offered.LeaseExpires;
                }
            }

            Finish(ctx, DhcpDropReason.NotForUs, "client selected server " + serverId);
            return;
        }

        // SELECTING and INIT-REBOOT name the address in option 50; RENEWING and REBINDING in ciaddr (§4.3.2).
        var wanted = requested ?? (Ipv4.IsUnspecified(req.ClientAddress) ? null : req.ClientAddress);
        if (wanted is null)
        {
            Finish(ctx, DhcpDropReason.UnexpectedMessageType, "REQUEST without option 50 or ciaddr");
            return;
        }

        var scope = ctx.Scope;
        if (scope is null || !scope.Contains(wanted))
        {
            if (scope is null && serverId is null && !Ipv4.IsUnspecified(req.ClientAddress))
            {
                // A renewal for an address on no network we serve: not ours to answer.
                Finish(ctx, DhcpDropReason.NoScope, "renewal for a foreign address");
                return;
            }

            if (scope is null)
            {
                Finish(ctx, DhcpDropReason.NoScope, "no scope for this interface or relay");
                return;
            }

            // INIT-REBOOT on the wrong network (§4.3.2): NAK so the client restarts discovery.
            Nak(ctx, "requested address is not on this network");
            return;
        }

        var address = Ipv4.ToUInt32(wanted);
        var reservation = ReservationIn(scope, ctx);
        bool acceptable;
        lock (_tableGate)
        {
            var mine = _table.ByClient(ctx.ClientKey);
            var known = mine is not null && mine.Address == address && mine.State != LeaseEntryState.Declined;
            acceptable = _table.IsFreeFor(address, ctx.ClientKey, now) && IsAssignable(scope, address, reservation)
                && (known || serverId is not null);
        }

        if (!acceptable)
        {
            // Authoritative: an unknown lease, an address held by another client, or one outside the pools is refused.
            Nak(ctx, "no lease for this address");
            return;
        }

        var decision = await DecideAsync(ctx, reservation, wanted, ct).ConfigureAwait(false);
        if (decision.Action == DhcpBootAction.Ignore)
        {
            Finish(ctx, DhcpDropReason.PolicyIgnored, decision.Reason);
            return;
        }

        lock (_tableGate)
        {
            var e = _table.Take(address, ctx.ClientKey, ctx.Mac, ClientId(req), scope.Id);
            e.State = LeaseEntryState.Active;
            e.Expires = now + scope.LeaseTime;
            e.LeaseExpires = e.Expires;
            e.HostName = reservation?.HostName ?? req.Options.GetString(DhcpOptionCode.HostName) ?? e.HostName;
            _pendingLeases.Add(e.ToLease());
        }

        Reply(ctx, DhcpMessageType.Ack, address, scope, reservation, decision, needsCommit: true);
    }

    private void HandleDecline(RequestContext ctx)
    {
        // RFC 2131 §4.3.3: the address is in use by someone else; keep it out of the pool for a while.
        var declined = ctx.Request.Options.GetAddress(DhcpOptionCode.RequestedIpAddress);
        var serverId = ctx.Request.Options.GetAddress(DhcpOptionCode.ServerIdentifier);
        if (declined is null || (serverId is not null && !serverId.Equals(ctx.ServerAddress)))
        {
            Finish(ctx, DhcpDropReason.NotForUs, "DECLINE for another server or without address");
            return;
        }

        lock (_tableGate)
        {
            var e = _table.ByAddress(Ipv4.ToUInt32(declined));
            if (e is null || !string.Equals(e.ClientKey, ctx.ClientKey, StringComparison.Ordinal))
            {
                Finish(ctx, DhcpDropReason.NotForUs, "DECLINE for an address this client does not hold");
                return;
            }

            _table.Decline(e, _time.GetUtcNow() + _options.DeclineHoldTime);
            _pendingLeases.Add(e.ToLease());
        }

        Finish(ctx, null, "address declined", address: declined);
    }

    private void HandleRelease(RequestContext ctx)
    {
        var released = ctx.Request.ClientAddress;
        lock (_tableGate)
        {
            var e = Ipv4.IsUnspecified(released) ? null : _table.ByAddress(Ipv4.ToUInt32(released));
            if (e is null || !string.Equals(e.ClientKey, ctx.ClientKey, StringComparison.Ordinal) || e.State != LeaseEntryState.Active)
            {
                Finish(ctx, DhcpDropReason.NotForUs, "RELEASE of an address this client does not hold");
                return;
            }

            e.State = LeaseEntryState.Released;
            e.Expires = _time.GetUtcNow();
            e.LeaseExpires = e.Expires;
            _pendingLeases.Add(e.ToLease());
        }

        Finish(ctx, null, "released", address: released);
    }

    private async Task HandleInformAsync(RequestContext ctx, CancellationToken ct)
    {
        // RFC 2131 §4.3.5: configuration only; no lease, no yiaddr, no lease time.
        if (ctx.Scope is not { } scope)
        {
            Finish(ctx, DhcpDropReason.NoScope, "INFORM from an address on no served network");
            return;
        }

        var reservation = ReservationIn(scope, ctx);
        var decision = await DecideAsync(ctx, reservation, null, ct).ConfigureAwait(false);
        if (decision.Action == DhcpBootAction.Ignore)
        {
            Finish(ctx, DhcpDropReason.PolicyIgnored, decision.Reason);
            return;
        }

        Reply(ctx, DhcpMessageType.Ack, null, scope, reservation, decision, needsCommit: false);
    }

    private async Task HandleProxyAsync(RequestContext ctx, CancellationToken ct)
    {
        var type = ctx.Request.MessageType;
        var onPxePort = ctx.Inbound.Channel.LocalEndPoint.Port == PxePort;

        // PXE spec 2.1 §2.2.2: answer DISCOVERs on 67 with a proxy OFFER, REQUESTs (and INFORMs) on 4011 with an ACK.
        var answers = onPxePort ? type is DhcpMessageType.Request or DhcpMessageType.Inform : type == DhcpMessageType.Discover;
        if (!answers)
        {
            Finish(ctx, DhcpDropReason.NotForUs, "proxyDHCP leaves this to the DHCP server");
            return;
        }

        if (type == DhcpMessageType.Discover && !_rateLimiter.TryAcquire(ctx.Mac))
        {
            Finish(ctx, DhcpDropReason.RateLimited, "DISCOVER rate limit");
            return;
        }

        var info = ClientInfo(ctx, ctx.Scope is null ? null : ReservationIn(ctx.Scope, ctx), null);
        if (!info.IsPxeClient && !info.IsIpxe && !info.IsHttpClient)
        {
            Finish(ctx, DhcpDropReason.NotPxeClient, "not a PXE client");
            return;
        }

        var decision = await _policy.DecideAsync(info, ct).ConfigureAwait(false);
        if (decision.Action != DhcpBootAction.Boot)
        {
            Finish(ctx, DhcpDropReason.PolicyIgnored, decision.Reason ?? "no boot file for this client");
            return;
        }

        Reply(ctx, onPxePort ? DhcpMessageType.Ack : DhcpMessageType.Offer, null, ctx.Scope, info.Reservation, decision, needsCommit: false, proxy: true);
    }

    private void Nak(RequestContext ctx, string reason)
    {
        var nak = NewReply(ctx, DhcpMessageType.Nak);
        nak.Options.SetString(DhcpOptionCode.Message, reason);
        if (!Ipv4.IsUnspecified(ctx.Request.GatewayAddress))
        {
            // RFC 2131 §4.1: a NAK through a relay asks it to broadcast.
            nak.IsBroadcast = true;
        }

        AppendEcho(ctx, nak);
        Send(ctx, nak, DhcpMessageType.Nak, needsCommit: false);
        Emit(ctx, DhcpMessageType.Nak, null, null, null, reason);
    }

    private uint? ChooseAddress(RequestContext ctx, DhcpScope scope, DhcpReservation? reservation, DateTimeOffset now)
    {
        if (reservation is not null)
        {
            var r = Ipv4.ToUInt32(reservation.Address);
            if (_table.IsFreeFor(r, ctx.ClientKey, now))
            {
                return r;
            }
        }

        var pool = PoolFor(scope);

        // The client's previous address, if it is still free for it (stable addresses across reboots).
        if (_table.ByClient(ctx.ClientKey) is { } mine && mine.State != LeaseEntryState.Declined
            && string.Equals(mine.ScopeId, scope.Id, StringComparison.Ordinal) && pool.InRange(mine.Address)
            && _table.IsFreeFor(mine.Address, ctx.ClientKey, now) && !IsExcluded(scope, mine.Address))
        {
            return mine.Address;
        }

        // RFC 2131 §4.3.1: the address the client asks for, when it is valid and free.
        if (ctx.Request.Options.GetAddress(DhcpOptionCode.RequestedIpAddress) is { } asked && scope.Contains(asked))
        {
            var a = Ipv4.ToUInt32(asked);
            if (pool.InRange(a) && _table.IsFreeFor(a, ctx.ClientKey, now) && !IsExcluded(scope, a))
            {
                return a;
            }
        }

        return pool.Allocate(_table, ctx.ClientKey, now, a => IsExcluded(scope, a));
    }

    /// <summary>Addresses never handed out dynamically: reservations, the router, the server itself.</summary>
    private bool IsExcluded(DhcpScope scope, uint address)
    {
        var ip = Ipv4.FromUInt32(address);
        return _scopes.IsReserved(ip) || ip.Equals(scope.Router) || ip.Equals(scope.ServerIdentifier) || IsServerAddress(ip);
    }

    private bool IsServerAddress(IPAddress ip)
    {
        foreach (var i in _options.Interfaces)
        {
            if (i.Address.Equals(ip))
            {
                return true;
            }
        }

        return ip.Equals(_options.DefaultServerAddress);
    }

    private bool IsAssignable(DhcpScope scope, uint address, DhcpReservation? reservation)
    {
        if (reservation is not null && Ipv4.ToUInt32(reservation.Address) == address)
        {
            return true;
        }

        return PoolFor(scope).InRange(address) && !IsExcluded(scope, address);
    }

    private AddressPool PoolFor(DhcpScope scope)
    {
        if (!_pools.TryGetValue(scope.Id, out var pool) || !ReferenceEquals(pool.Scope, scope))
        {
            // A replaced scope object (inventory change) gets a fresh pool.
            pool = new AddressPool(scope);
            _pools[scope.Id] = pool;
        }

        return pool;
    }

    private DhcpReservation? ReservationIn(DhcpScope scope, RequestContext ctx)
    {
        var r = _scopes.FindReservation(ctx.Mac);
        return r is not null && scope.Contains(r.Address) ? r : null;
    }

    private static byte[]? ClientId(DhcpPacket request) => request.Options.Get(DhcpOptionCode.ClientIdentifier) is { Length: > 0 } id ? id : null;

    private DhcpScope? SelectScope(RequestContext ctx)
    {
        var req = ctx.Request;
        var scopes = _scopes.Scopes;
        if (!Ipv4.IsUnspecified(req.GatewayAddress))
        {
            // RFC 3527 link selection (82.5), then RFC 3011 subnet selection (118), then giaddr (RFC 2131 §4.3.1).
            var link = LinkSelection(req) ?? req.Options.GetAddress(DhcpOptionCode.SubnetSelection) ?? req.GatewayAddress;
            foreach (var s in scopes)
            {
                if (s.Contains(link))
                {
                    return s;
                }
            }

            foreach (var s in scopes)
            {
                if (s.RelayAddresses.Contains(req.GatewayAddress))
                {
                    return s;
                }
            }

            return null;
        }

        if (req.Options.GetAddress(DhcpOptionCode.SubnetSelection) is { } selected)
        {
            return scopes.FirstOrDefault(s => s.Contains(selected));
        }

        var ifName = ctx.Inbound.Channel.InterfaceName;
        if (!Ipv4.IsUnspecified(req.ClientAddress))
        {
            // Renewals and INFORMs arrive unicast from a configured client: its address names the network.
            var byAddress = scopes.FirstOrDefault(s => s.Contains(req.ClientAddress)
                && (s.InterfaceName is null || ifName is null || s.InterfaceName == ifName || s.RelayAddresses.Count > 0));
            if (byAddress is not null)
            {
                return byAddress;
            }
        }

        if (ifName is not null)
        {
            var byInterface = scopes.FirstOrDefault(s => s.InterfaceName == ifName);
            if (byInterface is not null)
            {
                return byInterface;
            }
        }

        var local = InterfaceAddress(ctx.Inbound.Channel);
        if (local is not null)
        {
            var byLocal = scopes.FirstOrDefault(s => s.Contains(local) && (s.InterfaceName is null || s.InterfaceName == ifName));
            if (byLocal is not null)
            {
                return byLocal;
            }
        }

        return null;
    }

    private static IPAddress? LinkSelection(DhcpPacket req)
    {
        if (req.Options.Get(DhcpOptionCode.RelayAgentInformation) is not { } info)
        {
            return null;
        }

        var i = 0;
        while (i + 1 < info.Length)
        {
            var code = info[i];
            var len = info[i + 1];
            if (i + 2 + len > info.Length)
            {
                return null;
            }

            if (code == (byte)RelayAgentSubOption.LinkSelection && len == 4)
            {
                return new IPAddress(info.AsSpan(i + 2, 4));
            }

            i += 2 + len;
        }

        return null;
    }

    private IPAddress? InterfaceAddress(IDatagramChannel channel)
    {
        if (channel.InterfaceName is { } name)
        {
            foreach (var i in _options.Interfaces)
            {
                if (i.Name == name)
                {
                    return i.Address;
                }
            }
        }

        if (_options.DefaultServerAddress is { } d)
        {
            return d;
        }

        var bound = channel.LocalEndPoint.Address;
        return Ipv4.IsUnspecified(bound) ? null : bound;
    }

    private IPAddress? ServerAddressFor(RequestContext ctx) => ctx.Scope?.ServerIdentifier ?? InterfaceAddress(ctx.Inbound.Channel);

    private static DhcpDropReason ToDropReason(DhcpMalformation m) => m switch
    {
        DhcpMalformation.Truncated => DhcpDropReason.Truncated,
        DhcpMalformation.BadCookie => DhcpDropReason.BadCookie,
        DhcpMalformation.BadHardwareLength => DhcpDropReason.BadHardwareLength,
        DhcpMalformation.OptionTruncated => DhcpDropReason.OptionTruncated,
        DhcpMalformation.OverloadLoop => DhcpDropReason.OverloadLoop,
        DhcpMalformation.Oversize => DhcpDropReason.Oversize,
        _ => DhcpDropReason.BadOptionLength,
    };

    /// <summary>Per-packet state while one request is handled.</summary>
    private sealed class RequestContext(Inbound inbound, DhcpPacket request, string clientKey)
    {
        public Inbound Inbound { get; } = inbound;

        public DhcpPacket Request { get; } = request;

        public string ClientKey { get; } = clientKey;

        public System.Net.NetworkInformation.PhysicalAddress Mac { get; } = request.HardwareAddress;

        public DhcpScope? Scope { get; set; }

        public IPAddress? ServerAddress { get; set; }

        public PxeClientInfo? Info { get; set; }
    }
}
