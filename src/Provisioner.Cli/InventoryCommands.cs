using System.CommandLine;
using System.Text.Json;

namespace Provisioner.Cli;

public static partial class CliApp
{
    private static readonly string[] NodeColumns = ["hostname", "state", "powerState", "slot", "mac", "assignedIp", "tags"];

    private static Option<int?> LimitOption() => new("--limit") { Description = "Rows per page (1-1000, default 50)" };

    private static Option<int?> OffsetOption() => new("--offset") { Description = "Rows to skip" };

    private static string Paging(ParseResult r, Option<int?> offset, Option<int?> limit) =>
        $"offset={r.GetValue(offset) ?? 0}&limit={r.GetValue(limit) ?? 50}";

    private static string Q(string? value) => Uri.EscapeDataString(value ?? "");

    private static Command ZoneCommands(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Zone name" };
        var description = new Option<string?>("--description") { Description = "Free text" };
        var limit = LimitOption();
        var offset = OffsetOption();
        return Group("zone", "Zones (L3 domains holding BPODs)",
            Cmd(context, "list", "List zones", [limit, offset], async (r, s, ct) =>
            {
                var page = await s.Api.GetAsync($"api/v1/zones?{Paging(r, offset, limit)}", ct);
                s.Print(r, page, () => Output.Table(s.Context.Out, page, "name", "id", "description"));
                return 0;
            }),
            Cmd(context, "create", "Create a zone (admin)", [name, description], async (r, s, ct) =>
            {
                var zone = await s.Api.PostAsync("api/v1/zones", new { name = r.GetValue(name), description = r.GetValue(description) }, ct);
                s.Print(r, zone, () => s.Context.Out.WriteLine($"Created zone {Output.Cell(zone, "name")} ({Output.Cell(zone, "id")})."));
                return 0;
            }),
            Cmd(context, "delete", "Delete an empty zone (admin)", [name], async (r, s, ct) =>
            {
                var zone = await ResolveZoneAsync(s.Api, r.GetValue(name)!, ct);
                await s.Api.DeleteAsync($"api/v1/zones/{zone}", ct);
                s.Context.Out.WriteLine("Deleted.");
                return 0;
            }));
    }

    internal static async Task<Guid> ResolveZoneAsync(ApiClient api, string reference, CancellationToken ct)
    {
        if (Guid.TryParse(reference, out var id))
        {
            return id;
        }

        var page = await api.GetAsync($"api/v1/zones?search={Q(reference)}&limit=1000", ct);
        var match = page.GetProperty("items").EnumerateArray().FirstOrDefault(z => string.Equals(z.GetProperty("name").GetString(), reference, StringComparison.OrdinalIgnoreCase));
        return match.ValueKind == JsonValueKind.Undefined
            ? throw new CliException(ExitCodes.NotFound, $"No zone named '{reference}'; 'provisioner zone list' shows them.")
            : match.GetProperty("id").GetGuid();
    }

    /// <summary>A BPOD by id, by "zone/bpod", or by name when it is unique.</summary>
    internal static async Task<Guid> ResolveBpodAsync(ApiClient api, string reference, CancellationToken ct)
    {
        if (Guid.TryParse(reference, out var id))
        {
            return id;
        }

        var parts = reference.Split('/', 2);
        var zone = parts.Length == 2 ? await ResolveZoneAsync(api, parts[0], ct) : (Guid?)null;
        var name = parts[^1];
        var page = await api.GetAsync($"api/v1/bpods?search={Q(name)}&limit=1000{(zone is null ? "" : "&zoneId=" + zone)}", ct);
        var matches = page.GetProperty("items").EnumerateArray().Where(b => string.Equals(b.GetProperty("name").GetString(), name, StringComparison.OrdinalIgnoreCase)).ToList();
        return matches.Count switch
        {
            1 => matches[0].GetProperty("id").GetGuid(),
            0 => throw new CliException(ExitCodes.NotFound, $"No BPOD named '{reference}'; 'provisioner bpod list' shows them."),
            _ => throw new CliException(ExitCodes.Usage, $"Several zones have a BPOD named '{name}'; write ZONE/{name}."),
        };
    }

    private static Command BpodCommands(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "BPOD name (or ZONE/NAME)" };
        var zone = new Option<string?>("--zone") { Description = "Zone name or id" };
        var subnet = new Option<string?>("--subnet") { Description = "Provisioning subnet, CIDR (10.77.0.0/24)" };
        var start = new Option<string?>("--range-start") { Description = "First address of the DHCP range" };
        var end = new Option<string?>("--range-end") { Description = "Last address of the DHCP range" };
        var gateway = new Option<string?>("--gateway") { Description = "Default gateway for the nodes" };
        var type = new Option<string?>("--type") { Description = "l2 or l3 (relayed)" };
        var relay = new Option<string[]?>("--relay") { Description = "Relay (giaddr) address of an l3 rack switch", AllowMultipleArgumentsPerToken = true };
        var dns = new Option<string[]?>("--dns") { Description = "DNS servers", AllowMultipleArgumentsPerToken = true };
        var iface = new Option<string?>("--interface") { Description = "Appliance interface of an l2 rack segment" };
        var layoutFile = new Option<string?>("--set") { Description = "JSON file with the layout to apply: {\"bonds\": [...], \"vlans\": [...]} (docs/api.md)" };
        var clearLayout = new Option<bool>("--clear") { Description = "Remove the layout (nodes keep their PXE interface only)" };
        var limit = LimitOption();
        var offset = OffsetOption();
        return Group("bpod", "BPODs (racks): provisioning subnet, DHCP range, naming",
            Cmd(context, "list", "List BPODs", [zone, limit, offset], async (r, s, ct) =>
            {
                var z = r.GetValue(zone) is { } zn ? "&zoneId=" + await ResolveZoneAsync(s.Api, zn, ct) : "";
                var page = await s.Api.GetAsync($"api/v1/bpods?{Paging(r, offset, limit)}{z}", ct);
                s.Print(r, page, () => Output.Table(s.Context.Out, page, "name", "networkType", "provisioningSubnet", "dynamicRangeStart", "dynamicRangeEnd", "id"));
                return 0;
            }),
            Cmd(context, "show", "Show a BPOD", [name], async (r, s, ct) =>
            {
                var b = await s.Api.GetAsync($"api/v1/bpods/{await ResolveBpodAsync(s.Api, r.GetValue(name)!, ct)}", ct);
                s.Print(r, b, () => Output.Fields(s.Context.Out, b, "id", "name", "zoneId", "networkType", "provisioningSubnet", "gateway", "dnsServers",
                    "dynamicRangeStart", "dynamicRangeEnd", "relayAddresses", "interfaceName", "namingPattern", "enlistUnknown"));
                return 0;
            }),
            Cmd(context, "create", "Create a BPOD (admin)", [name, zone, subnet, start, end, gateway, type, relay, dns, iface], async (r, s, ct) =>
            {
                var zoneName = r.GetValue(zone) ?? throw new CliException(ExitCodes.Usage, "Give --zone.");
                var body = new
                {
                    zoneId = await ResolveZoneAsync(s.Api, zoneName, ct),
                    name = r.GetValue(name),
                    networkType = r.GetValue(type),
                    provisioningSubnet = r.GetValue(subnet),
                    dynamicRangeStart = r.GetValue(start),
                    dynamicRangeEnd = r.GetValue(end),
                    gateway = r.GetValue(gateway),
                    relayAddresses = r.GetValue(relay),
                    dnsServers = r.GetValue(dns),
                    interfaceName = r.GetValue(iface),
                };
                var b = await s.Api.PostAsync("api/v1/bpods", body, ct);
                s.Print(r, b, () => s.Context.Out.WriteLine($"Created BPOD {Output.Cell(b, "name")} ({Output.Cell(b, "id")})."));
                return 0;
            }),
            Cmd(context, "network", "Show or set the bonds and VLANs every node of a BPOD gets (setting: admin)", [name, layoutFile, clearLayout], async (r, s, ct) =>
            {
                var id = await ResolveBpodAsync(s.Api, r.GetValue(name)!, ct);
                var file = r.GetValue(layoutFile);
                JsonElement b;
                if (file is not null || r.GetValue(clearLayout))
                {
                    var layout = file is null ? JsonDocument.Parse("{}").RootElement : ReadJsonFile(file, "the network layout");
                    b = await s.Api.PatchAsync($"api/v1/bpods/{id}", new { network = layout }, ct);
                }
                else
                {
                    b = await s.Api.GetAsync($"api/v1/bpods/{id}", ct);
                }

                Output.Json(s.Context.Out, b.GetProperty("network"));
                return 0;
            }),
            Cmd(context, "delete", "Delete an empty BPOD (admin)", [name], async (r, s, ct) =>
            {
                await s.Api.DeleteAsync($"api/v1/bpods/{await ResolveBpodAsync(s.Api, r.GetValue(name)!, ct)}", ct);
                s.Context.Out.WriteLine("Deleted.");
                return 0;
            }));
    }

    private static JsonElement ReadJsonFile(string path, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return doc.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"Cannot read {what} from {path}: {e.Message}");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Usage, $"{path} is not valid JSON (line {e.LineNumber + 1}): {e.Message}");
        }
    }

    private static Command NodeCommands(CliContext context)
    {
        var node = new Argument<string>("node") { Description = "Node id, hostname or MAC" };
        var bpod = new Option<string?>("--bpod") { Description = "BPOD name, ZONE/NAME or id" };
        var zone = new Option<string?>("--zone") { Description = "Zone name or id" };
        var state = new Option<string?>("--state") { Description = "Lifecycle state (ready, deployed, failed-deployment...)" };
        var tag = new Option<string?>("--tag") { Description = "Tag" };
        var search = new Option<string?>("--search", "-s") { Description = "Hostname, MAC, IP or serial (substring)" };
        var limit = LimitOption();
        var offset = OffsetOption();
        var image = new Option<string?>("--image") { Description = "Image to deploy" };
        var profile = new Option<string?>("--profile") { Description = "Template profile" };
        var reason = new Option<string?>("--reason") { Description = "Why (shown on the node)" };
        var wipe = new Option<bool>("--wipe") { Description = "Wipe disks on release" };
        var wait = new Option<bool>("--wait") { Description = "Follow the job with a progress bar until it ends (exit 1 if it fails)" };
        var mac = new Argument<string>("mac") { Description = "MAC of the PXE interface" };
        var hostname = new Option<string?>("--hostname") { Description = "Hostname (default: the BPOD's naming pattern)" };

        var commands = new List<Command>
        {
            Cmd(context, "list", "List nodes (paged; filter by BPOD, zone, state, tag; search by hostname/MAC/IP/serial)",
                [bpod, zone, state, tag, search, limit, offset], async (r, s, ct) =>
                {
                    var q = Paging(r, offset, limit);
                    if (r.GetValue(bpod) is { } b) q += "&bpodId=" + await ResolveBpodAsync(s.Api, b, ct);
                    if (r.GetValue(zone) is { } z) q += "&zoneId=" + await ResolveZoneAsync(s.Api, z, ct);
                    if (r.GetValue(state) is { } st) q += "&state=" + Q(st);
                    if (r.GetValue(tag) is { } t) q += "&tag=" + Q(t);
                    if (r.GetValue(search) is { } se) q += "&search=" + Q(se);
                    var page = await s.Api.GetAsync($"api/v1/nodes?{q}", ct);
                    s.Print(r, page, () => Output.Table(s.Context.Out, page, NodeColumns));
                    return 0;
                }),
            Cmd(context, "show", "Show a node", [node], async (r, s, ct) =>
            {
                var n = await s.Api.GetAsync($"api/v1/nodes/{Q(r.GetValue(node))}", ct);
                s.Print(r, n, () => Output.Fields(s.Context.Out, n, "id", "hostname", "state", "stateReason", "failedStep", "powerState", "allowedActions",
                    "slot", "assignedIp", "bmc.driver", "bmc.address", "deploy.image", "deploy.profile", "tags", "version"));
                return 0;
            }),
            Cmd(context, "enlist", "Add a machine by its MAC (named from the BPOD's pattern)", [mac, bpod, hostname], async (r, s, ct) =>
            {
                var b = r.GetValue(bpod) ?? throw new CliException(ExitCodes.Usage, "Give --bpod.");
                var n = await s.Api.PostAsync("api/v1/nodes/enlist", new { mac = r.GetValue(mac), bpodId = await ResolveBpodAsync(s.Api, b, ct), hostname = r.GetValue(hostname) }, ct);
                s.Print(r, n, () => s.Context.Out.WriteLine($"Enlisted {Output.Cell(n, "hostname")} ({Output.Cell(n, "id")})."));
                return 0;
            }),
            Cmd(context, "timeline", "Boot timeline of a node (DHCP, TFTP, HTTP, agent events in order)", [node, limit], async (r, s, ct) =>
            {
                var events = await s.Api.GetAsync($"api/v1/nodes/{Q(r.GetValue(node))}/timeline?limit={r.GetValue(limit) ?? 200}", ct);
                s.Print(r, events, () => Output.Table(s.Context.Out, events, "at", "source", "kind", "summary"));
                return 0;
            }),
            Cmd(context, "history", "Changes of a node", [node, limit], async (r, s, ct) =>
            {
                var events = await s.Api.GetAsync($"api/v1/nodes/{Q(r.GetValue(node))}/history?limit={r.GetValue(limit) ?? 100}", ct);
                s.Print(r, events, () => Output.Table(s.Context.Out, events, "at", "actor", "kind", "fromState", "toState", "message"));
                return 0;
            }),
        };

        foreach (var action in new[] { "commission", "deploy", "release", "rescue", "exit-rescue", "mark-broken", "mark-fixed", "abort" })
        {
            commands.Add(Cmd(context, action, $"{action} a node" + (action == "deploy" ? " (--image, --profile)" : ""),
                [node, image, profile, reason, wipe, wait], async (r, s, ct) =>
                {
                    var result = await s.Api.PostAsync($"api/v1/nodes/{Q(r.GetValue(node))}/actions/{action}", new
                    {
                        image = r.GetValue(image),
                        profile = r.GetValue(profile),
                        reason = r.GetValue(reason),
                        wipe = r.GetValue(wipe),
                    }, ct);
                    return await FinishActionAsync(r, s, result, result.TryGetProperty("job", out var j) && j.ValueKind == JsonValueKind.Object ? j : null,
                        r.GetValue(wait), ct);
                }));
        }

        var operation = new Argument<string>("operation") { Description = "on, off or cycle" };
        operation.AcceptOnlyFromAmong("on", "off", "cycle");
        commands.Add(Cmd(context, "power", "Power a node on, off or cycle it (through its BMC)", [node, operation, wait], async (r, s, ct) =>
        {
            var job = await s.Api.PostAsync($"api/v1/nodes/{Q(r.GetValue(node))}/power/{r.GetValue(operation)}", null, ct);
            return await FinishActionAsync(r, s, job, job, r.GetValue(wait), ct);
        }));

        var bulkAction = new Argument<string>("action") { Description = "commission, deploy, release, mark-broken, power-on, power-off, power-cycle..." };
        commands.Add(Cmd(context, "bulk", "Apply an action to every node of a BPOD, zone or tag", [bulkAction, bpod, zone, tag, image, profile, reason],
            async (r, s, ct) =>
            {
                var result = await s.Api.PostAsync("api/v1/nodes/bulk", new
                {
                    action = r.GetValue(bulkAction),
                    bpodId = r.GetValue(bpod) is { } b ? await ResolveBpodAsync(s.Api, b, ct) : (Guid?)null,
                    zoneId = r.GetValue(zone) is { } z ? await ResolveZoneAsync(s.Api, z, ct) : (Guid?)null,
                    tag = r.GetValue(tag),
                    image = r.GetValue(image),
                    profile = r.GetValue(profile),
                    reason = r.GetValue(reason),
                }, ct);
                s.Print(r, result, () =>
                {
                    Output.Table(s.Context.Out, result.GetProperty("results"), "hostname", "ok", "jobId", "error");
                    s.Context.Out.WriteLine($"{Output.Cell(result, "succeeded")} of {Output.Cell(result, "matched")} accepted.");
                });
                return result.GetProperty("failed").GetInt32() == 0 ? 0 : ExitCodes.Failed;
            }));

        return Group("node", "Nodes: inventory, lifecycle, power, boot timeline", [.. commands]);
    }

    private static async Task<int> FinishActionAsync(ParseResult r, Session s, JsonElement result, JsonElement? job, bool wait, CancellationToken ct)
    {
        if (job is null || !wait)
        {
            s.Print(r, result, () => s.Context.Out.WriteLine(job is { } j
                ? $"Accepted: job {Output.Cell(j, "id")} ({Output.Cell(j, "kind")}). Follow it with 'provisioner job watch {Output.Cell(j, "id")}'."
                : $"Done: node is {Output.Cell(result, "node.state")}."));
            return 0;
        }

        var (final, code) = await new JobWatcher(s.Api, s.Context).WatchAsync(job.Value.GetProperty("id").GetGuid(), ct);
        s.Print(r, final, () => s.Context.Out.WriteLine(code == 0
            ? $"{Output.Cell(final, "kind")} succeeded in job {Output.Cell(final, "id")}."
            : $"{Output.Cell(final, "kind")} {Output.Cell(final, "state")}: {Output.Cell(final, "error")} (job {Output.Cell(final, "id")}; 'provisioner job retry' resumes from the failed step)."));
        return code;
    }
}
