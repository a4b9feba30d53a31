using System.Buffers.Binary;
using System.Net;
using System.Text;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;

namespace Provisioner.Dhcp;

public sealed partial class DhcpServer
{
    // Sent first regardless of the parameter request list (RFC 2131 §4.3.1 table 3: 53 and 54 are MUST).
    private static readonly DhcpOptionCode[] s_leading =
    [
        DhcpOptionCode.MessageType, DhcpOptionCode.ServerIdentifier, DhcpOptionCode.LeaseTime,
        DhcpOptionCode.RenewalTime, DhcpOptionCode.RebindingTime,
    ];

    // Sent even when not requested: clients that omit option 55 (some PXE ROMs, BOOTP-era stacks) still need them.
    private static readonly HashSet<DhcpOptionCode> s_alwaysSent =
    [
        DhcpOptionCode.SubnetMask, DhcpOptionCode.Router, DhcpOptionCode.DomainNameServer, DhcpOptionCode.DomainName,
        DhcpOptionCode.HostName, DhcpOptionCode.VendorClassIdentifier, DhcpOptionCode.VendorSpecific,
        DhcpOptionCode.ClientMachineIdentifier, DhcpOptionCode.TftpServerName, DhcpOptionCode.BootFileName,
        DhcpOptionCode.IpxeEncapsulated, DhcpOptionCode.ClientIdentifier, DhcpOptionCode.Message,
    ];

    private static readonly Dictionary<byte, byte[]> s_noFeatures = [];

    private async ValueTask<DhcpBootDecision> DecideAsync(RequestContext ctx, DhcpReservation? reservation, IPAddress? offered, CancellationToken ct)
    {
        var info = ClientInfo(ctx, reservation, offered);
        return await _policy.DecideAsync(info, ct).ConfigureAwait(false);
    }

    private PxeClientInfo ClientInfo(RequestContext ctx, DhcpReservation? reservation, IPAddress? offered)
    {
        var o = ctx.Request.Options;
        var vendor = o.GetString(DhcpOptionCode.VendorClassIdentifier);
        var userClass = o.Get(DhcpOptionCode.UserClass);
        var ipxeOptions = o.Get(DhcpOptionCode.IpxeEncapsulated);
        var info = new PxeClientInfo
        {
            Mac = ctx.Mac,
            TransactionId = ctx.Request.TransactionId,
            MessageType = ctx.Request.MessageType,
            ClientIdentifier = ClientId(ctx.Request),
            Architecture = o.Get(DhcpOptionCode.ClientSystemArchitecture) is { Length: >= 2 } arch
                ? (ClientArchitecture)BinaryPrimitives.ReadUInt16BigEndian(arch) : null,
            VendorClass = vendor,
            IsPxeClient = vendor?.StartsWith("PXEClient", StringComparison.Ordinal) == true,
            IsHttpClient = vendor?.StartsWith("HTTPClient", StringComparison.Ordinal) == true,
            IsIpxe = ipxeOptions is not null || IsIpxeUserClass(userClass),
            IpxeFeatures = ipxeOptions is null ? s_noFeatures : ParseEncapsulated(ipxeOptions),
            Uuid = Uuid(o.Get(DhcpOptionCode.ClientMachineIdentifier)),
            RelayAddress = Ipv4.IsUnspecified(ctx.Request.GatewayAddress) ? null : ctx.Request.GatewayAddress,
            InterfaceName = ctx.Inbound.Channel.InterfaceName,
            Scope = ctx.Scope,
            Reservation = reservation,
            OfferedAddress = offered,
            ServerAddress = ctx.ServerAddress!,
        };
        ctx.Info = info;
        return info;
    }

    // iPXE sends user class "iPXE" either raw (what iPXE actually does) or as an RFC 3004 length-prefixed instance.
    private static bool IsIpxeUserClass(byte[]? userClass)
    {
        if (userClass is null)
        {
            return false;
        }

        ReadOnlySpan<byte> ipxe = "iPXE"u8;
        return userClass.AsSpan().SequenceEqual(ipxe)
            || (userClass.Length == 5 && userClass[0] == 4 && userClass.AsSpan(1).SequenceEqual(ipxe));
    }

    private static Dictionary<byte, byte[]> ParseEncapsulated(byte[] value)
    {
        var d = new Dictionary<byte, byte[]>();
        var i = 0;
        while (i + 1 < value.Length)
        {
            var code = value[i];
            if (code is 0)
            {
                i++;
                continue;
            }

            if (code is 255)
            {
                break;
            }

            var len = value[i + 1];
            if (i + 2 + len > value.Length)
            {
                break;
            }

            d[code] = value.AsSpan(i + 2, len).ToArray();
            i += 2 + len;
        }

        return d;
    }

    // RFC 4578 §2.3: type 0 followed by a 16-byte UUID in the SMBIOS (little-endian first fields) layout.
    private static Guid? Uuid(byte[]? value) => value is { Length: 17 } && value[0] == 0 ? new Guid(value.AsSpan(1)) : null;

    private DhcpPacket NewReply(RequestContext ctx, DhcpMessageType type)
    {
        var req = ctx.Request;
        var reply = new DhcpPacket
        {
            Op = DhcpOpCode.BootReply,
            HardwareType = req.HardwareType,
            HardwareAddressLength = req.HardwareAddressLength,
            TransactionId = req.TransactionId,
            Flags = req.Flags,
            GatewayAddress = req.GatewayAddress,
            ClientHardwareAddress = req.ClientHardwareAddress,
        };
        reply.Options.SetByte(DhcpOptionCode.MessageType, (byte)type);
        reply.Options.SetAddresses(DhcpOptionCode.ServerIdentifier, [ctx.ServerAddress!]);
        return reply;
    }

    private void Reply(RequestContext ctx, DhcpMessageType type, uint? address, DhcpScope? scope, DhcpReservation? reservation,
        DhcpBootDecision decision, bool needsCommit, bool proxy = false)
    {
        var req = ctx.Request;
        var reply = NewReply(ctx, type);
        var o = reply.Options;
        var inform = req.MessageType == DhcpMessageType.Inform;

        // RFC 2131 table 3: ciaddr is echoed in ACKs (renewals, INFORM), zero in OFFERs.
        if (type == DhcpMessageType.Ack)
        {
            reply.ClientAddress = req.ClientAddress;
        }

        if (address is { } a)
        {
            reply.YourAddress = Ipv4.FromUInt32(a);
        }

        if (!proxy && scope is not null)
        {
            if (!inform)
            {
                var lease = (uint)Math.Clamp(scope.LeaseTime.TotalSeconds, 1, uint.MaxValue - 1);
                o.SetUInt32(DhcpOptionCode.LeaseTime, lease);
                o.SetUInt32(DhcpOptionCode.RenewalTime, lease / 2);
                o.SetUInt32(DhcpOptionCode.RebindingTime, (uint)(lease * 7UL / 8));
            }

            o.SetAddresses(DhcpOptionCode.SubnetMask, [scope.SubnetMask]);
            if (scope.Router is not null)
            {
                o.SetAddresses(DhcpOptionCode.Router, [scope.Router]);
            }

            if (scope.DnsServers.Count > 0)
            {
                o.SetAddresses(DhcpOptionCode.DomainNameServer, scope.DnsServers);
            }

            if (!string.IsNullOrEmpty(scope.DomainName))
            {
                o.SetString(DhcpOptionCode.DomainName, scope.DomainName);
            }

            if (reservation?.HostName is { Length: > 0 } host)
            {
                o.SetString(DhcpOptionCode.HostName, host);
            }

            if (scope.NtpServers.Count > 0)
            {
                o.SetAddresses(DhcpOptionCode.NtpServers, scope.NtpServers);
            }

            if (scope.Mtu is { } mtu)
            {
                o.SetUInt16(DhcpOptionCode.InterfaceMtu, (ushort)Math.Clamp(mtu, 68, ushort.MaxValue));
            }

            if (scope.StaticRoutes.Count > 0)
            {
                o.Set(DhcpOptionCode.ClasslessStaticRoute, EncodeRoutes(scope));
            }
        }

        if (decision.Action == DhcpBootAction.Boot && decision.BootFile is { } file)
        {
            var next = decision.NextServer ?? ctx.ServerAddress!;
            reply.NextServerAddress = next;
            if (Encoding.ASCII.GetByteCount(file) < 128)
            {
                reply.BootFile = file;
            }

            o.SetString(DhcpOptionCode.TftpServerName, next.ToString());
            o.SetString(DhcpOptionCode.BootFileName, file);
            if (decision.VendorClass is { } vc)
            {
                o.SetString(DhcpOptionCode.VendorClassIdentifier, vc);
            }

            if (string.Equals(decision.VendorClass, "PXEClient", StringComparison.Ordinal))
            {
                // PXE spec 2.1 table 2-1, PXE_DISCOVERY_CONTROL (6) bit 3: boot the file in this offer, no discovery or menu.
                o.Set(DhcpOptionCode.VendorSpecific, [6, 1, 8, 255]);
            }

            if (req.Options.Get(DhcpOptionCode.ClientMachineIdentifier) is { } uuid)
            {
                // PXE spec 2.1 §2.4.4: servers echo the client's machine identifier.
                o.Set(DhcpOptionCode.ClientMachineIdentifier, uuid);
            }
        }

        if (ctx.Info is { IsIpxe: true } && _options.IpxeNoProxyDhcpWait)
        {
            // iPXE "no-pxedhcp" (175.176 = 1): do not wait ~3 s collecting proxyDHCP offers.
            o.Set(DhcpOptionCode.IpxeEncapsulated, [176, 1, 1]);
        }

        AppendEcho(ctx, reply);
        if (!proxy)
        {
            OrderByRequestList(req, reply);
        }

        Send(ctx, reply, type, needsCommit);
        Emit(ctx, type, reply.YourAddress, scope, decision.Action == DhcpBootAction.Boot ? decision.BootFile : null, decision.Reason);
    }

    /// <summary>RFC 6842 client identifier echo and RFC 3046 §2.2 relay agent information echo (kept last).</summary>
    private static void AppendEcho(RequestContext ctx, DhcpPacket reply)
    {
        if (ctx.Request.Options.Get(DhcpOptionCode.ClientIdentifier) is { } id)
        {
            reply.Options.Set(DhcpOptionCode.ClientIdentifier, id);
        }

        if (ctx.Request.Options.Get(DhcpOptionCode.RelayAgentInformation) is { } agent && !Ipv4.IsUnspecified(ctx.Request.GatewayAddress))
        {
            reply.Options.Set(DhcpOptionCode.RelayAgentInformation, agent);
        }
    }

    /// <summary>
    /// Leading options first, then the client's parameter request list in its order (RFC 2131 §4.3.1: "in the order
    /// requested"), then other always-sent options; options neither requested nor always-sent are left out.
    /// </summary>
    private static void OrderByRequestList(DhcpPacket request, DhcpPacket reply)
    {
        var prl = request.Options.Get(DhcpOptionCode.ParameterRequestList) ?? [];
        var old = reply.Options;
        var ordered = new DhcpOptionList();
        foreach (var code in s_leading)
        {
            if (old.Get(code) is { } v)
            {
                ordered.Set(code, v);
            }
        }

        foreach (var c in prl)
        {
            var code = (DhcpOptionCode)c;
            if (code is not (DhcpOptionCode.Pad or DhcpOptionCode.End or DhcpOptionCode.RelayAgentInformation)
                && !ordered.Contains(code) && old.Get(code) is { } v)
            {
                ordered.Set(code, v);
            }
        }

        foreach (var item in old.Items)
        {
            if (!ordered.Contains(item.Code) && (s_alwaysSent.Contains(item.Code) || item.Code == DhcpOptionCode.RelayAgentInformation))
            {
                if (item.Code != DhcpOptionCode.RelayAgentInformation)
                {
                    ordered.Set(item.Code, item.Value);
                }
            }
        }

        if (old.Get(DhcpOptionCode.RelayAgentInformation) is { } agent)
        {
            ordered.Set(DhcpOptionCode.RelayAgentInformation, agent);
        }

        reply.Options = ordered;
    }

    /// <summary>RFC 3442: each route is width, significant destination octets, router. The default route is added
    /// because clients that honour 121 ignore option 3 (RFC 3442 §DHCP Client Behavior).</summary>
    private static byte[] EncodeRoutes(DhcpScope scope)
    {
        var bytes = new List<byte>();
        void Add(IPAddress dest, int prefix, IPAddress gw)
        {
            bytes.Add((byte)prefix);
            var d = dest.GetAddressBytes();
            for (var i = 0; i < (prefix + 7) / 8; i++)
            {
                bytes.Add(d[i]);
            }

            bytes.AddRange(gw.GetAddressBytes());
        }

        foreach (var r in scope.StaticRoutes)
        {
            Add(r.Destination, Math.Clamp(r.PrefixLength, 0, 32), r.Gateway);
        }

        if (scope.Router is not null && !scope.StaticRoutes.Any(r => r.PrefixLength == 0))
        {
            Add(IPAddress.Any, 0, scope.Router);
        }

        return bytes.ToArray();
    }

    private void Send(RequestContext ctx, DhcpPacket reply, DhcpMessageType type, bool needsCommit)
    {
        var req = ctx.Request;
        var max = _options.MaxReplyLength;
        if (req.Options.GetUInt16(DhcpOptionCode.MaxMessageSize) is { } clientMax)
        {
            // RFC 2132 §9.10: the client's limit counts IP and UDP headers; never below the 576 every client accepts.
            max = Math.Clamp(clientMax - 28, DhcpPacketWriter.DefaultMaxLength, max);
        }
        else
        {
            max = DhcpPacketWriter.DefaultMaxLength;
        }

        int written;
        while (!DhcpPacketWriter.TryWrite(reply, _writeBuffer, max, out written))
        {
            // Too large: drop the last option that is not essential and try again.
            var items = reply.Options.Items;
            var victim = items.LastOrDefault(i => !s_leading.Contains(i.Code) && i.Code is not (DhcpOptionCode.BootFileName or DhcpOptionCode.RelayAgentInformation));
            if (victim.Value is null)
            {
                Counters.Dropped(DhcpDropReason.ReplyTooLarge);
                return;
            }

            reply.Options.Remove(victim.Code);
        }

        _pendingReplies.Add(new PendingReply(ctx.Inbound.Channel, Destination(ctx, type), _writeBuffer.AsSpan(0, written).ToArray(), type, needsCommit));
    }

    /// <summary>RFC 2131 §4.1 reply addressing.</summary>
    private static IPEndPoint Destination(RequestContext ctx, DhcpMessageType type)
    {
        var req = ctx.Request;
        if (ctx.Inbound.Channel.LocalEndPoint.Port == PxePort)
        {
            // proxyDHCP on 4011: straight back to the sender (PXE spec 2.1 §2.2.2).
            return ctx.Inbound.Datagram.Remote;
        }

        if (!Ipv4.IsUnspecified(req.GatewayAddress))
        {
            return new IPEndPoint(req.GatewayAddress, ServerPort);
        }

        if (type != DhcpMessageType.Nak && !Ipv4.IsUnspecified(req.ClientAddress))
        {
            return new IPEndPoint(req.ClientAddress, ClientPort);
        }

        // Broadcast bit, or a client without an address: without a raw socket we cannot unicast to an address
        // the client does not have yet (no ARP entry), so broadcast as dnsmasq does without raw sockets.
        return new IPEndPoint(IPAddress.Broadcast, ClientPort);
    }

    private void Finish(RequestContext ctx, DhcpDropReason? reason, string? detail, IPAddress? address = null)
    {
        if (reason is { } r)
        {
            if (r is DhcpDropReason.NotForUs or DhcpDropReason.PolicyIgnored or DhcpDropReason.NotPxeClient)
            {
                // Normal outcomes on a shared segment: counted, shown on the timeline, not logged as problems.
                Counters.Dropped(r);
            }
            else
            {
                Drop(r, ctx.Inbound.Datagram.Remote, ctx.Inbound.Channel, detail ?? r.ToString());
            }
        }

        Emit(ctx, DhcpMessageType.None, address, ctx.Scope, null, detail, reason);
    }

    private void Emit(RequestContext ctx, DhcpMessageType replied, IPAddress? address, DhcpScope? scope, string? bootFile, string? reason,
        DhcpDropReason? drop = null)
    {
        var req = ctx.Request;
        var info = ctx.Info;
        var ev = new DhcpExchangeEvent
        {
            Timestamp = _time.GetUtcNow(),
            Mac = ctx.Mac,
            TransactionId = req.TransactionId,
            Received = req.MessageType,
            Replied = replied,
            Architecture = info?.Architecture,
            VendorClass = info?.VendorClass ?? req.Options.GetString(DhcpOptionCode.VendorClassIdentifier),
            IsIpxe = info?.IsIpxe ?? false,
            Uuid = info?.Uuid,
            Address = address is not null && !Ipv4.IsUnspecified(address) ? address : null,
            BootFile = bootFile,
            ScopeId = scope?.Id,
            InterfaceName = ctx.Inbound.Channel.InterfaceName,
            RelayAddress = Ipv4.IsUnspecified(req.GatewayAddress) ? null : req.GatewayAddress,
            DropReason = drop,
            Reason = reason,
        };
        try
        {
            _observer.OnExchange(ev);
        }
        catch (Exception e)
        {
            Log.HandlerFailed(_logger, ctx.Inbound.Datagram.Remote, e);
        }

        if (_logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Debug))
        {
            Log.Exchange(_logger, ev.Received, ev.Mac.ToString(), ev.TransactionId, replied, ev.Address, bootFile, reason);
        }
    }
}
