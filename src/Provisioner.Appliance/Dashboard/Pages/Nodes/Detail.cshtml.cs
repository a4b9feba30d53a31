using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;
using Provisioner.Templates.Context;

namespace Provisioner.Appliance.Dashboard.Pages.Nodes;

/// <summary>
/// One node: facts, interfaces and network layout, BMC, power (and what manual power waits for an operator to do), the
/// lifecycle actions its state allows, boot timeline, history, jobs.
/// </summary>
public sealed class DetailModel(NodeOperations ops, INodeRepository nodes, IBpodRepository bpods, IImageRepository images, IProfileRepository profiles,
    IBootEventRepository bootEvents, IJobService jobs, IOperatorRequestRepository operatorRequests) : PageModel
{
    public Node Node { get; private set; } = null!;

    public Bpod? Bpod { get; private set; }

    public IReadOnlyList<BootEvent> Timeline { get; private set; } = [];

    public IReadOnlyList<NodeHistoryEntry> History { get; private set; } = [];

    public IReadOnlyList<JobRecord> Jobs { get; private set; } = [];

    /// <summary>What manual power is waiting for an operator to do on this node.</summary>
    public IReadOnlyList<OperatorRequestRecord> PendingPowerRequests { get; private set; } = [];

    public IReadOnlyList<Image> Images { get; private set; } = [];

    public IReadOnlyList<TemplateProfile> Profiles { get; private set; } = [];

    public IReadOnlyList<(string Key, string Value)> Facts { get; private set; } = [];

    public string[] Actions { get; private set; } = [];

    /// <summary>The node's bonds and VLANs as its BPOD's layout resolves them (null without a BPOD).</summary>
    public NodeNetwork? Network { get; private set; }

    /// <summary>The network_bonds / network_vlans variables that replace the layout for this node (node or profile).</summary>
    public IReadOnlyList<string> NetworkOverrides { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var node = await nodes.GetAsync(id, ct);
        if (node is null)
        {
            return NotFound();
        }

        Node = node;
        Bpod = await bpods.GetAsync(node.BpodId, ct);
        Timeline = await bootEvents.ListForNodeAsync(node.Id, node.Interfaces.Select(i => i.Mac).ToArray(), 200, ct);
        History = await nodes.GetHistoryAsync(node.Id, 50, ct);
        Jobs = (await jobs.ListAsync(new JobQuery { NodeId = node.Id, Page = new PageRequest(0, 10) }, ct)).Items;
        PendingPowerRequests = (await operatorRequests.ListAsync(
            new OperatorRequestQuery { NodeId = node.Id, Status = OperatorRequestStatus.Pending, Page = new PageRequest(0, 20) }, ct)).Items;
        Images = await images.ListAsync(ct);
        Profiles = await profiles.ListAsync(ct);
        Actions = ApiNames.AllowedOperatorActions(node.State);
        Facts = FlattenFacts(node.HardwareFactsJson);
        Network = Bpod is null ? null : NodeNetworkResolver.Resolve(Bpod, node);
        var profile = Profiles.FirstOrDefault(p => p.Name == node.Deploy.Profile);
        NetworkOverrides = new[] { TemplateContextBuilder.BondsVariable, TemplateContextBuilder.VlansVariable }
            .Where(v => !string.IsNullOrWhiteSpace(node.Deploy.Variables.GetValueOrDefault(v) ?? profile?.Variables.GetValueOrDefault(v)))
            .ToArray();
        return Page();
    }

    public async Task<IActionResult> OnPostPowerAsync(Guid id, string operation, CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        return await Run(id, async () =>
        {
            var job = await ops.PowerAsync(id, operation, ApiCaller.Of(HttpContext), ct);
            return ($"Power {operation} queued as job {job.Id}.", job.Id);
        });
    }

    public async Task<IActionResult> OnPostActionAsync(Guid id, string action, string? image, string? profile, string? reason, bool wipe,
        CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        return await Run(id, async () =>
        {
            if (!ApiNames.TryParse<NodeAction>(action, out var parsed))
            {
                throw ApiValidationException.For("action", $"Unknown action '{action}'.");
            }

            var (_, job) = await ops.ApplyAsync(id, parsed, new NodeActionRequest(Empty(image), Empty(profile), Empty(reason), wipe, null),
                ApiCaller.Of(HttpContext), ct);
            return ($"{action} accepted{(job is null ? "" : $"; job {job.Id} queued")}.", job?.Id);
        });
    }

    private async Task<IActionResult> Run(Guid id, Func<Task<(string Message, Guid? JobId)>> act)
    {
        try
        {
            var (message, jobId) = await act();
            TempData["Flash"] = message;
            return jobId is { } j ? Redirect($"/jobs/{j}") : Redirect($"/nodes/{id}");
        }
        catch (Exception ex) when (ApiExceptionFilter.ToProblem(ex) is not null)
        {
            TempData["Error"] = ex.Message;
            return Redirect($"/nodes/{id}");
        }
    }

    private static string? Empty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    /// <summary>Facts JSON as "a.b.c = value" rows, so any agent's report can be shown without a fixed schema.</summary>
    private static IReadOnlyList<(string, string)> FlattenFacts(string? json)
    {
        var rows = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(json))
        {
            return rows;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            Walk(doc.RootElement, "", rows);
        }
        catch (JsonException)
        {
            rows.Add(("(unreadable)", json.Length > 200 ? json[..200] : json));
        }

        return rows.Take(300).ToArray();
    }

    private static void Walk(JsonElement e, string prefix, List<(string, string)> rows)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Walk(p.Value, prefix.Length == 0 ? p.Name : prefix + "." + p.Name, rows);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    Walk(item, $"{prefix}[{i++}]", rows);
                }

                break;
            default:
                rows.Add((prefix, e.ToString()));
                break;
        }
    }
}
