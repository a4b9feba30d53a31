using System.Net;
using System.Net.NetworkInformation;
using Provisioner.Dhcp.Protocol;
using Provisioner.Dhcp.Scopes;

namespace Provisioner.Dhcp.Boot;

/// <summary>What the server knows about a client when it asks the boot policy what to do with it.</summary>
public sealed record PxeClientInfo
{
    /// <summary>chaddr.</summary>
    public required PhysicalAddress Mac { get; init; }

    /// <summary>Transaction id of this exchange.</summary>
    public uint TransactionId { get; init; }

    /// <summary>What the client sent (Discover, Request, Inform).</summary>
    public DhcpMessageType MessageType { get; init; }

    /// <summary>Option 61, when sent.</summary>
    public byte[]? ClientIdentifier { get; init; }

    /// <summary>Option 93 (first entry), when sent.</summary>
    public ClientArchitecture? Architecture { get; init; }

    /// <summary>Option 60 as text.</summary>
    public string? VendorClass { get; init; }

    /// <summary>Vendor class starts with "PXEClient" (PXE spec 2.1 §2.2).</summary>
    public bool IsPxeClient { get; init; }

    /// <summary>Vendor class starts with "HTTPClient" (UEFI 2.5+ HTTP boot).</summary>
    public bool IsHttpClient { get; init; }

    /// <summary>User class (77) is "iPXE" or iPXE options (175) are present.</summary>
    public bool IsIpxe { get; init; }

    /// <summary>iPXE encapsulated options (175) by sub-option code (feature flags such as 19 = HTTP, 24 = bzImage).</summary>
    public IReadOnlyDictionary<byte, byte[]> IpxeFeatures { get; init; } = new Dictionary<byte, byte[]>();

    /// <summary>Option 97 machine UUID, when sent.</summary>
    public Guid? Uuid { get; init; }

    /// <summary>giaddr when relayed, else null.</summary>
    public IPAddress? RelayAddress { get; init; }

    /// <summary>Interface the request arrived on, when known.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>The scope serving this client (null in proxy mode when no scope matches).</summary>
    public DhcpScope? Scope { get; init; }

    /// <summary>The client's reservation, when the inventory knows its MAC.</summary>
    public DhcpReservation? Reservation { get; init; }

    /// <summary>The address being offered or acknowledged (null for proxy replies and INFORM).</summary>
    public IPAddress? OfferedAddress { get; init; }

    /// <summary>This server's address towards the client (for URLs and next-server).</summary>
    public required IPAddress ServerAddress { get; init; }
}
