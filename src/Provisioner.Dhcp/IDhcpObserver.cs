using System.Net;
using System.Net.NetworkInformation;
using Provisioner.Dhcp.Boot;
using Provisioner.Dhcp.Protocol;

namespace Provisioner.Dhcp;

/// <summary>One DHCP exchange step as the node's boot timeline shows it.</summary>
public sealed record DhcpExchangeEvent
{
    public required DateTimeOffset Timestamp { get; init; }

    public required PhysicalAddress Mac { get; init; }

    public required uint TransactionId { get; init; }

    /// <summary>What the client sent.</summary>
    public required DhcpMessageType Received { get; init; }

    /// <summary>What the server answered, or <see cref="DhcpMessageType.None"/> when it did not.</summary>
    public DhcpMessageType Replied { get; init; }

    public ClientArchitecture? Architecture { get; init; }

    public string? VendorClass { get; init; }

    public bool IsIpxe { get; init; }

    public Guid? Uuid { get; init; }

    /// <summary>yiaddr of the reply.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Boot file or URL chosen.</summary>
    public string? BootFile { get; init; }

    public string? ScopeId { get; init; }

    public string? InterfaceName { get; init; }

    public IPAddress? RelayAddress { get; init; }

    /// <summary>Why the server did not answer (a drop reason) or why it answered as it did (policy reason).</summary>
    public DhcpDropReason? DropReason { get; init; }

    /// <summary>Free-text reason from the boot policy or the server.</summary>
    public string? Reason { get; init; }
}

/// <summary>Receives one event per exchange step. Called on the packet path: must return quickly and not throw.</summary>
public interface IDhcpObserver
{
    /// <summary>Records one event.</summary>
    void OnExchange(DhcpExchangeEvent exchange);
}

/// <summary>An observer that discards events.</summary>
public sealed class NullDhcpObserver : IDhcpObserver
{
    /// <summary>The shared instance.</summary>
    public static NullDhcpObserver Instance { get; } = new();

    public void OnExchange(DhcpExchangeEvent exchange)
    {
    }
}
