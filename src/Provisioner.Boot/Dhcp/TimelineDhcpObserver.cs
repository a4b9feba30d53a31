using Provisioner.Boot.Inventory;
using Provisioner.Boot.Timeline;
using Provisioner.Core.Boot;
using Provisioner.Dhcp;
using Provisioner.Dhcp.Protocol;

namespace Provisioner.Boot.Dhcp;

/// <summary>Puts every DHCP exchange on the node's boot timeline and remembers which MAC got which address.</summary>
public sealed class TimelineDhcpObserver(BootTimeline timeline, ClientAddressBook addresses) : IDhcpObserver
{
    public void OnExchange(DhcpExchangeEvent exchange)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var mac = InventoryScopeSource.ToMac(exchange.Mac);
        if (exchange.Replied == DhcpMessageType.Ack && exchange.Address is { } address)
        {
            addresses.Learn(address, mac);
        }

        var client = exchange.IsIpxe ? "iPXE" : exchange.VendorClass ?? "client";
        var arch = exchange.Architecture is { } a ? $" arch {a}" : string.Empty;
        var summary = exchange.Replied == DhcpMessageType.None
            ? $"{exchange.Received} from {client}{arch} ignored: {exchange.Reason ?? exchange.DropReason?.ToString() ?? "no answer"}"
            : $"{exchange.Received} from {client}{arch} -> {exchange.Replied} {exchange.Address}" +
              (exchange.BootFile is null ? string.Empty : $" boot {exchange.BootFile}") +
              (exchange.Reason is null ? string.Empty : $" ({exchange.Reason})");
        timeline.Record(BootEventSource.Dhcp, exchange.Replied == DhcpMessageType.None ? "dhcp-ignored" : $"dhcp-{exchange.Replied.ToString().ToLowerInvariant()}",
            summary, mac, details: new
            {
                xid = exchange.TransactionId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture),
                received = exchange.Received.ToString(),
                replied = exchange.Replied.ToString(),
                arch = exchange.Architecture?.ToString(),
                vendorClass = exchange.VendorClass,
                ipxe = exchange.IsIpxe,
                address = exchange.Address?.ToString(),
                bootFile = exchange.BootFile,
                iface = exchange.InterfaceName,
                relay = exchange.RelayAddress?.ToString(),
                reason = exchange.Reason,
                drop = exchange.DropReason?.ToString(),
            });
    }
}
