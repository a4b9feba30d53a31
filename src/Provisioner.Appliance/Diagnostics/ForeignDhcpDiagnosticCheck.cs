using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Options;
using Provisioner.Dhcp.Protocol;
using Provisioner.Net;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// Looks for other DHCP servers on each DHCP interface: broadcasts a DISCOVER (RFC 2131 §4.4.1) from UDP 68 with a MAC of
/// its own and collects the OFFERs. Our own server never answers that MAC (Dhcp IgnoredClients), and offers from our own
/// addresses are dropped anyway. Authoritative: another server answering is a conflict (machines may take its offer).
/// Proxy: another server is needed (it hands out the addresses), so none answering is the failure.
/// </summary>
public sealed class ForeignDhcpDiagnosticCheck(ApplianceSettings settings) : IDiagnosticCheck
{
    /// <summary>The probe's client MAC (locally administered, unicast): given to our DHCP server as an ignored client.</summary>
    public static readonly PhysicalAddress ProbeMac = new([0x02, 0x70, 0x76, 0x64, 0x6f, 0x63]);

    private static readonly TimeSpan ListenFor = TimeSpan.FromSeconds(3);

    public string Name => "foreign-dhcp";

    public TimeSpan Timeout => TimeSpan.FromSeconds(8);

    public async Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        if (settings.Dhcp.Mode == DhcpMode.Off || settings.Dhcp.Interfaces.Count == 0)
        {
            return DiagnosticResult.Ok(settings.Dhcp.Mode == DhcpMode.Off
                ? "DHCP is off (Dhcp:Mode=Off): another DHCP server is expected; not probing."
                : "DHCP serves relayed requests only (no Dhcp:Interfaces): no segment to probe.");
        }

        var own = NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(a => a.Address))
            .ToHashSet();
        var probes = settings.Dhcp.Interfaces.Select(i => ProbeAsync(i, own, cancellationToken)).ToArray();
        var found = await Task.WhenAll(probes).ConfigureAwait(false);
        var errors = found.Where(f => f.Error is not null).Select(f => $"{f.Interface}: {f.Error}").ToArray();
        var servers = found.Where(f => f.Servers.Count > 0).Select(f => $"{f.Interface}: {string.Join(", ", f.Servers)}").ToArray();
        if (errors.Length > 0)
        {
            return DiagnosticResult.Warn($"Could not probe for other DHCP servers ({string.Join("; ", errors)}).",
                "Check that nothing else holds UDP 68 on the appliance (a DHCP client on a provisioning interface: ss -ulpn 'sport = :68').");
        }

        if (settings.Dhcp.Mode == DhcpMode.Proxy)
        {
            var silent = found.Where(f => f.Servers.Count == 0).Select(f => f.Interface).ToArray();
            return silent.Length == 0
                ? DiagnosticResult.Ok($"The DHCP server(s) proxyDHCP works beside answer: {string.Join("; ", servers)}.")
                : DiagnosticResult.Fail($"No DHCP server answered on {string.Join(", ", silent)} within {ListenFor.TotalSeconds:0} s; in Proxy mode the appliance " +
                                        "gives boot information only, so machines get no address.",
                    "Check the segment's DHCP server (or relay) is up, or switch to Dhcp:Mode=Authoritative if the appliance should hand out addresses.");
        }

        return servers.Length == 0
            ? DiagnosticResult.Ok($"No other DHCP server answered on {string.Join(", ", settings.Dhcp.Interfaces)} within {ListenFor.TotalSeconds:0} s.")
            : DiagnosticResult.Fail($"Another DHCP server answers on the provisioning network ({string.Join("; ", servers)}): machines may boot from its offer " +
                                    "instead of this appliance's.",
                "Turn that server off for this segment (or exclude the provisioning VLAN from it), or run the appliance with Dhcp:Mode=Proxy beside it.");
    }

    private async Task<(string Interface, List<string> Servers, string? Error)> ProbeAsync(string interfaceName, HashSet<IPAddress> own, CancellationToken ct)
    {
        var servers = new List<string>();
        try
        {
            await using var channel = new UdpDatagramChannel(new UdpChannelSettings
            {
                Bind = new IPEndPoint(IPAddress.Any, 68),
                InterfaceName = interfaceName,
                Broadcast = true,
                ReuseAddress = true,
            });
            var xid = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
            var mac = new byte[16];
            ProbeMac.GetAddressBytes().CopyTo(mac, 0);
            var discover = new DhcpPacket { TransactionId = xid, Flags = DhcpPacket.BroadcastFlag, ClientHardwareAddress = mac };
            discover.Options.SetByte(DhcpOptionCode.MessageType, (byte)DhcpMessageType.Discover);
            discover.Options.Set(DhcpOptionCode.ParameterRequestList, [1, 3, 6, 54]);
            var buffer = new byte[DhcpPacketWriter.DefaultMaxLength];
            DhcpPacketWriter.TryWrite(discover, buffer, buffer.Length, out var written);
            await channel.SendAsync(new IPEndPoint(IPAddress.Broadcast, 67), buffer.AsMemory(0, written), ct).ConfigureAwait(false);

            using var listen = CancellationTokenSource.CreateLinkedTokenSource(ct);
            listen.CancelAfter(ListenFor);
            var receive = new byte[1500];
            while (true)
            {
                ReceivedDatagram datagram;
                try
                {
                    datagram = await channel.ReceiveAsync(receive, listen.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    break;
                }

                DhcpPacket offer;
                try
                {
                    offer = DhcpPacketReader.Parse(receive.AsSpan(0, datagram.Length));
                }
                catch (DhcpProtocolException)
                {
                    continue;
                }

                if (offer.Op != DhcpOpCode.BootReply || offer.TransactionId != xid || offer.MessageType != DhcpMessageType.Offer)
                {
                    continue;
                }

                var server = offer.Options.GetAddress(DhcpOptionCode.ServerIdentifier) ?? datagram.Remote.Address;
                if (own.Contains(server) || own.Contains(datagram.Remote.Address))
                {
                    // Our own server (it should have ignored the probe MAC): not a foreign one.
                    continue;
                }

                var entry = $"{server} offered {offer.YourAddress}";
                if (!servers.Contains(entry))
                {
                    servers.Add(entry);
                }
            }

            return (interfaceName, servers, null);
        }
        catch (SocketException e)
        {
            return (interfaceName, servers, e.Message);
        }
    }
}
