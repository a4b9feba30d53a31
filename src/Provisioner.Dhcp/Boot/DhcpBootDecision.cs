using System.Net;

namespace Provisioner.Dhcp.Boot;

/// <summary>What the boot policy decided.</summary>
public enum DhcpBootAction
{
    /// <summary>Do not answer at all (unknown client with discovery off, a client another server owns).</summary>
    Ignore,

    /// <summary>Give an address but no boot file: boot from local disk, or a non-PXE client such as the live image.</summary>
    LeaseOnly,

    /// <summary>Give an address and a boot file (TFTP name or http:// URL).</summary>
    Boot,
}

/// <summary>The boot policy's answer for one exchange.</summary>
public sealed record DhcpBootDecision
{
    /// <summary>What to do.</summary>
    public required DhcpBootAction Action { get; init; }

    /// <summary>Why (shown on the node's boot timeline); required for Ignore.</summary>
    public string? Reason { get; init; }

    /// <summary>TFTP file name or http:// URL (Boot only).</summary>
    public string? BootFile { get; init; }

    /// <summary>siaddr and option 66; null uses the server address.</summary>
    public IPAddress? NextServer { get; init; }

    /// <summary>Vendor class to answer with (option 60): "PXEClient" or "HTTPClient"; null echoes none.</summary>
    public string? VendorClass { get; init; }

    /// <summary>No reply.</summary>
    public static DhcpBootDecision Ignore(string reason) => new() { Action = DhcpBootAction.Ignore, Reason = reason };

    /// <summary>Address only.</summary>
    public static DhcpBootDecision LeaseOnly(string? reason = null) => new() { Action = DhcpBootAction.LeaseOnly, Reason = reason };

    /// <summary>Address and boot file.</summary>
    public static DhcpBootDecision Boot(string bootFile, IPAddress? nextServer = null, string? vendorClass = null, string? reason = null)
        => new() { Action = DhcpBootAction.Boot, BootFile = bootFile, NextServer = nextServer, VendorClass = vendorClass, Reason = reason };
}

/// <summary>
/// The boot decision: unknown MAC → discovery boot (or ignore), known node → what its lifecycle asks for,
/// or no boot file to boot from local disk. The appliance implements it over the inventory;
/// <see cref="DefaultBootPolicy"/> implements the architecture table and iPXE detection.
/// </summary>
public interface IDhcpBootPolicy
{
    /// <summary>Decides for one DISCOVER/REQUEST/INFORM. Called on the server's packet path: answer from memory.</summary>
    ValueTask<DhcpBootDecision> DecideAsync(PxeClientInfo client, CancellationToken cancellationToken);
}
