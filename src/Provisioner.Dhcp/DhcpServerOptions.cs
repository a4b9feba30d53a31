using System.Net;
using System.Net.NetworkInformation;

namespace Provisioner.Dhcp;

/// <summary>How the server answers.</summary>
public enum DhcpServerMode
{
    /// <summary>The network's DHCP server: addresses, options and boot information.</summary>
    Authoritative,

    /// <summary>proxyDHCP (PXE spec 2.1 §2.2.2): beside another DHCP server, answer only PXE clients, with boot
    /// information and no address, on port 67 and on 4011.</summary>
    Proxy,
}

/// <summary>An interface the server listens on.</summary>
public sealed record DhcpInterfaceOptions
{
    /// <summary>Linux interface name (SO_BINDTODEVICE).</summary>
    public required string Name { get; init; }

    /// <summary>The server's IPv4 address on this interface: server identifier, next-server and URL host.</summary>
    public required IPAddress Address { get; init; }
}

/// <summary>Settings of <see cref="DhcpServer"/>. Defaults live here and nowhere else.</summary>
public sealed class DhcpServerOptions
{
    /// <summary>Authoritative (default) or proxyDHCP.</summary>
    public DhcpServerMode Mode { get; set; } = DhcpServerMode.Authoritative;

    /// <summary>Interfaces to serve, each with the server's address on it.</summary>
    public IReadOnlyList<DhcpInterfaceOptions> Interfaces { get; set; } = [];

    /// <summary>Server address for channels bound to no interface (relay-only or single-homed setups).</summary>
    public IPAddress? DefaultServerAddress { get; set; }

    /// <summary>How long an OFFERed address stays held for the client that was offered it (RFC 2131 §4.3.1 "should reserve").</summary>
    public TimeSpan OfferHoldTime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a DECLINEd address is kept out of use (RFC 2131 §4.3.3). Kea's default probation is 24 h;
    /// a provisioning network recovers faster with one hour.</summary>
    public TimeSpan DeclineHoldTime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>DISCOVERs allowed per MAC in a burst before rate limiting starts.</summary>
    public int DiscoverBurstPerClient { get; set; } = 12;

    /// <summary>Steady DISCOVERs per second allowed per MAC after the burst.</summary>
    public double DiscoverRatePerClient { get; set; } = 1.0;

    /// <summary>Answer iPXE clients with option 175.176 = 1 so iPXE does not wait about 3 s for proxyDHCP offers.</summary>
    public bool IpxeNoProxyDhcpWait { get; set; } = true;

    /// <summary>Datagrams waiting to be processed before new ones are dropped (and counted).</summary>
    public int QueueCapacity { get; set; } = 8192;

    /// <summary>Most requests processed between two lease commits (the group-commit batch).</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>At most one log line per drop reason per this interval.</summary>
    public TimeSpan DropLogInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Kernel receive buffer per socket, to absorb DISCOVER storms when a rack powers on.</summary>
    public int ReceiveBufferSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest reply this server sends when the client states no maximum (option 57), minus IP/UDP headers.</summary>
    public int MaxReplyLength { get; set; } = 1500 - 28;

    /// <summary>Client MACs never answered (counted as <see cref="DhcpDropReason.IgnoredClient"/>): probes of our own, such as the
    /// appliance's search for other DHCP servers, which must neither get a lease nor be enlisted.</summary>
    public IReadOnlyCollection<PhysicalAddress> IgnoredClients { get; set; } = [];

    /// <summary>Answer IPv6 router solicitations with a router advertisement of lifetime 0 (see <see cref="RouterAdvertisementResponder"/>).</summary>
    public bool RouterAdvertisement { get; set; } = true;

    /// <summary>Checks the settings; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (OfferHoldTime <= TimeSpan.Zero || DeclineHoldTime <= TimeSpan.Zero)
        {
            throw new ArgumentException("Hold times must be positive.");
        }

        if (DiscoverBurstPerClient < 1 || DiscoverRatePerClient <= 0)
        {
            throw new ArgumentException("Rate limits must be positive.");
        }

        if (QueueCapacity < 1 || MaxBatch < 1)
        {
            throw new ArgumentException("QueueCapacity and MaxBatch must be positive.");
        }

        if (MaxReplyLength < 548)
        {
            throw new ArgumentException("MaxReplyLength must be at least 548 (RFC 2131 §2).");
        }
    }
}
