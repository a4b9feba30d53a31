using System.Net;
using Provisioner.Boot.Inventory;
using Provisioner.Boot.Planning;
using Provisioner.Dhcp.Boot;

namespace Provisioner.Boot.Dhcp;

/// <summary>
/// The DHCP boot decision backed by the inventory: the planner says what a machine boots for (or why it is ignored);
/// the architecture table and iPXE detection of <see cref="DefaultBootPolicy"/> then pick the boot file or script URL.
/// Unknown machines in an enlisting BPOD are handed to <see cref="IEnlistmentQueue"/> so they appear in the inventory
/// as soon as they first ask.
/// </summary>
public sealed class NodeDhcpBootPolicy(InventorySnapshotCache cache, DefaultBootPolicy architectureTable, IEnlistmentQueue enlistment)
    : IDhcpBootPolicy
{
    public async ValueTask<DhcpBootDecision> DecideAsync(PxeClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var mac = InventoryScopeSource.ToMac(client.Mac);
        var plan = NodeBootPlanner.Plan(cache.Current, new BootRequest
        {
            Mac = mac,
            RelayAddress = client.RelayAddress,
            InterfaceName = client.InterfaceName,
            LocalAddress = client.ServerAddress,
        });

        // A machine that is not booting over the network (the live image's own DHCP client, a deployed OS) gets a plain
        // lease whatever its state, if its BPOD is known.
        var netbooting = client.IsPxeClient || client.IsHttpClient || client.IsIpxe;
        switch (plan.Purpose)
        {
            case BootPurpose.Ignore when plan.Bpod is null || !netbooting:
                return plan.Bpod is null ? DhcpBootDecision.Ignore(plan.Reason) : DhcpBootDecision.LeaseOnly(plan.Reason);
            case BootPurpose.Ignore:
                return DhcpBootDecision.Ignore(plan.Reason);
            case BootPurpose.LocalBoot:
                return DhcpBootDecision.LeaseOnly(plan.Reason);
            case BootPurpose.Discover when plan.Node is null && plan.Bpod is not null:
                enlistment.Enqueue(new EnlistmentRequest(mac, plan.Bpod.Id, client.Uuid, client.Architecture?.ToString()));
                break;
        }

        if (!netbooting)
        {
            return DhcpBootDecision.LeaseOnly(plan.Reason);
        }

        var decision = await architectureTable.DecideAsync(client, cancellationToken).ConfigureAwait(false);
        return decision with { Reason = decision.Reason is null ? plan.Reason : $"{plan.Reason}; {decision.Reason}" };
    }
}

/// <summary>An unknown machine seen booting, to be enlisted in a BPOD.</summary>
public sealed record EnlistmentRequest(Core.Networking.MacAddress Mac, Guid BpodId, Guid? SystemUuid, string? Architecture);

/// <summary>Takes enlistment requests off the DHCP path (the appliance enlists them in the background).</summary>
public interface IEnlistmentQueue
{
    void Enqueue(EnlistmentRequest request);
}

/// <summary>Helpers for building the iPXE script URL pattern from the public base URL.</summary>
public static class BootUrls
{
    /// <summary>"http://10.77.0.1:8080/boot/{mac}.ipxe": the placeholder is filled by the architecture table.</summary>
    public static string IpxeScriptPattern(string publicBaseUrl) => publicBaseUrl.TrimEnd('/') + "/boot/{mac}.ipxe";

    /// <summary>The iPXE EFI binary over HTTP for UEFI HTTP boot clients.</summary>
    public static string HttpBootPattern(string publicBaseUrl) => publicBaseUrl.TrimEnd('/') + "/boot/pxe/snponly.efi";

    /// <summary>Parses the host of the base URL when it is an address (next-server for TFTP).</summary>
    public static IPAddress? HostAddress(string publicBaseUrl) =>
        Uri.TryCreate(publicBaseUrl, UriKind.Absolute, out var u) && IPAddress.TryParse(u.Host, out var a) ? a : null;
}
