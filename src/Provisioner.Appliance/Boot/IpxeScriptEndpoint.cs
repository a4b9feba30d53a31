using System.Net;
using Provisioner.Appliance.Options;
using Provisioner.Boot.Dhcp;
using Provisioner.Boot.Enlistment;
using Provisioner.Boot.Inventory;
using Provisioner.Boot.Planning;
using Provisioner.Boot.Timeline;
using Provisioner.Core.Boot;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Templates.Context;

namespace Provisioner.Appliance.Boot;

/// <summary>
/// GET /boot/{mac}.ipxe: the iPXE script a machine runs, rendered from its template for what its state asks
/// (discover, commission, deploy, release, rescue, local boot). An unknown machine in an enlisting BPOD is enlisted
/// here at the latest, so its script can carry a boot token for its own node.
/// </summary>
public static class IpxeScriptEndpoint
{
    public static IEndpointRouteBuilder MapIpxeScripts(this IEndpointRouteBuilder app)
    {
        app.MapGet("/boot/{mac}.ipxe", ServeAsync);
        return app;
    }

    private static async Task<IResult> ServeAsync(string mac, int? arch, HttpContext http, InventorySnapshotCache cache, INodeRepository nodes,
        NodeEnlister enlister, NodeTemplates templates, BootTimeline timeline, ILoggerFactory loggers, CancellationToken ct)
    {
        if (!MacAddress.TryParse(mac, out var address))
        {
            return Script($"echo PROVISIONER-IPXE error: '{Sanitize(mac)}' is not a MAC address\nexit 1");
        }

        var remote = http.Connection.RemoteIpAddress is { } r && r.IsIPv4MappedToIPv6 ? r.MapToIPv4() : http.Connection.RemoteIpAddress;
        var snapshot = cache.Current;
        if (snapshot.FindNode(address) is null && await nodes.FindByMacAsync(address, ct) is not null)
        {
            snapshot = await cache.RefreshAsync(ct);
        }

        // The client's own address lies in its BPOD's subnet, for local and relayed racks alike.
        var plan = NodeBootPlanner.Plan(snapshot, new BootRequest { Mac = address, RelayAddress = remote });
        var node = plan.Node;
        if (plan.Purpose == BootPurpose.Discover && node is null && plan.Bpod is not null)
        {
            node = await enlister.EnlistAsync(new EnlistmentRequest(address, plan.Bpod.Id, null, arch?.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct);
        }

        if (plan.Purpose == BootPurpose.Ignore || node is null)
        {
            timeline.Record(BootEventSource.Http, "ipxe-script", $"iPXE script refused: {plan.Reason}", address, node?.Id);
            return Script($"echo PROVISIONER-IPXE ignored: {Sanitize(plan.Reason)}\nexit 1");
        }

        var firmware = arch is null or 0 ? BootFirmware.Bios : BootFirmware.Uefi;
        try
        {
            var rendered = await templates.IpxeScriptAsync(node, plan.Purpose, firmware, ct);
            timeline.Record(BootEventSource.Http, "ipxe-script",
                $"iPXE script for {plan.Purpose.ToString().ToLowerInvariant()} ({firmware.ToString().ToLowerInvariant()}) from {remote}: {plan.Reason}",
                address, node.Id, new { purpose = plan.Purpose.ToString(), template = rendered.Pin.Name, version = rendered.Pin.Version });
            return Script(rendered.Output, prefixed: true);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            loggers.CreateLogger("Provisioner.Boot.Ipxe").LogError(e, "iPXE script for {Node} failed: {Error}", node.Hostname, e.Message);
            timeline.Record(BootEventSource.Http, "ipxe-script-failed", $"iPXE script for {node.Hostname} failed: {e.Message}", address, node.Id);
            // The machine retries: a fixed template fixes the next attempt.
            return Script($"echo PROVISIONER-IPXE error rendering the script for {Sanitize(node.Hostname)}: {Sanitize(e.Message)}\necho retrying in 30 s\nsleep 30\nreboot");
        }
    }

    private static IResult Script(string body, bool prefixed = false) =>
        Results.Text(prefixed ? body : "#!ipxe\n" + body + "\n", "text/plain; charset=utf-8");

    // iPXE interprets ${...} and some punctuation; keep messages printable and inert.
    private static string Sanitize(string text) =>
        new(text.Where(c => c >= ' ' && c < 127 && c is not '$' and not '{' and not '}' and not '\\').Take(300).ToArray());
}
