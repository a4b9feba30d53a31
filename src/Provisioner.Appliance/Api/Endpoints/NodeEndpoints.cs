using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Boot;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/nodes: inventory, enlistment, lifecycle actions, power, boot timeline, history, bulk actions.
/// <c>{node}</c> is a node id, hostname or MAC.</summary>
public static class NodeEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var nodes = api.MapGroup("/nodes").WithTags("Nodes");
        nodes.MapGet("/", List).WithName("ListNodes");
        nodes.MapGet("/{node}", Get).WithName("GetNode");
        nodes.MapPost("/", Create).WithName("CreateNode").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        nodes.MapPatch("/{node}", Update).WithName("UpdateNode").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        nodes.MapDelete("/{node}", Delete).WithName("DeleteNode").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        nodes.MapPost("/enlist", Enlist).WithName("EnlistNode").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        nodes.MapPost("/bulk", Bulk).WithName("BulkNodeAction").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        nodes.MapPost("/{node}/actions/{action}", Act).WithName("NodeAction").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        nodes.MapPost("/{node}/power/{operation}", Power).WithName("NodePower").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        nodes.MapGet("/{node}/timeline", Timeline).WithName("NodeBootTimeline");
        nodes.MapGet("/{node}/history", History).WithName("NodeHistory");
    }

    private static async Task<Ok<PagedResponse<NodeSummaryDto>>> List(INodeRepository repo, Guid? zoneId, Guid? bpodId, string? state, string? tag,
        string? search, int? offset, int? limit, CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        NodeState? s = null;
        if (state is not null)
        {
            s = ApiNames.TryParse<NodeState>(state, out var parsed) ? parsed
                : throw ApiValidationException.For("state", $"Unknown state '{state}'; use one of: {string.Join(", ", ApiNames.All<NodeState>())}.");
        }

        var result = await repo.ListAsync(new NodeQuery { ZoneId = zoneId, BpodId = bpodId, State = s, Tag = tag, Search = search, Page = page }, ct);
        return TypedResults.Ok(PageQuery.Map(result, NodeSummaryDto.From));
    }

    private static async Task<Ok<NodeDto>> Get(string node, NodeOperations ops, CancellationToken ct) =>
        TypedResults.Ok(NodeDto.From(await ops.ResolveAsync(node, ct)));

    private static async Task<Created<NodeDto>> Create(NodeRequest request, INodeRepository repo, IBpodRepository bpods, NodeOperations ops,
        IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var node = request.ToNode(null, Guid.NewGuid());
        if (await bpods.GetAsync(node.BpodId, ct) is null)
        {
            throw ApiValidationException.For("bpodId", $"No BPOD with id {node.BpodId}.");
        }

        var added = await repo.AddAsync(node, ct);
        await repo.AppendHistoryAsync(new NodeHistoryEntry
        {
            NodeId = added.Id,
            At = added.CreatedAt,
            Actor = ApiCaller.Of(http).Name,
            Kind = "enlist",
            ToState = added.State,
            Message = "added by hand",
        }, ct);
        await audit.RecordAsync(http, "node.create", "node", added.Id.ToString(), added.Hostname);
        return TypedResults.Created($"/api/v1/nodes/{added.Id}", NodeDto.From(added));
    }

    private static async Task<Ok<NodeDto>> Update(string node, NodeRequest request, INodeRepository repo, IBpodRepository bpods, NodeOperations ops,
        HttpContext http, CancellationToken ct)
    {
        var current = await ops.ResolveAsync(node, ct);
        var changed = request.ToNode(current, current.Id);
        if (changed.BpodId != current.BpodId && await bpods.GetAsync(changed.BpodId, ct) is null)
        {
            throw ApiValidationException.For("bpodId", $"No BPOD with id {changed.BpodId}.");
        }

        var saved = await repo.UpdateAsync(changed, ct);
        await ops.RecordEditAsync(current, saved, ApiCaller.Of(http), ct);
        return TypedResults.Ok(NodeDto.From(saved));
    }

    private static async Task<NoContent> Delete(string node, INodeRepository repo, NodeOperations ops, IJobService jobs, IAuditLog audit,
        HttpContext http, CancellationToken ct)
    {
        var current = await ops.ResolveAsync(node, ct);
        if (!NodeLifecycle.IsStable(current.State) || current.State == NodeState.Deployed)
        {
            throw new InvalidOperationException(
                $"Node {current.Hostname} is {ApiNames.Of(current.State)}; release it (or wait for its job) before deleting it.");
        }

        if ((await jobs.ListAsync(new JobQuery { NodeId = current.Id, ActiveOnly = true }, ct)).Total > 0)
        {
            throw new InvalidOperationException($"Node {current.Hostname} has an active job; cancel it first.");
        }

        await repo.DeleteAsync(current.Id, ct);
        await audit.RecordAsync(http, "node.delete", "node", current.Id.ToString(), current.Hostname);
        return TypedResults.NoContent();
    }

    private static async Task<Created<NodeDto>> Enlist(EnlistRequest request, NodeOperations ops, HttpContext http, CancellationToken ct)
    {
        var node = await ops.EnlistAsync(request, ApiCaller.Of(http), ct);
        return TypedResults.Created($"/api/v1/nodes/{node.Id}", NodeDto.From(node));
    }

    private static async Task<Ok<BulkActionResult>> Bulk(BulkActionRequest request, NodeOperations ops, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await ops.BulkAsync(request, ApiCaller.Of(http), ct));

    private static async Task<Accepted<NodeActionResult>> Act(string node, string action, NodeActionRequest? request, NodeOperations ops,
        HttpContext http, CancellationToken ct)
    {
        if (!ApiNames.TryParse<NodeAction>(action, out var parsed) || !ApiNames.IsOperatorAction(parsed))
        {
            throw ApiValidationException.For("action",
                $"Unknown action '{action}'; use one of: {string.Join(", ", Enum.GetValues<NodeAction>().Where(ApiNames.IsOperatorAction).Select(ApiNames.Of))}.");
        }

        var target = await ops.ResolveAsync(node, ct);
        var (saved, job) = await ops.ApplyAsync(target.Id, parsed, request ?? new NodeActionRequest(null, null, null, null, null), ApiCaller.Of(http), ct);
        return TypedResults.Accepted(job is null ? $"/api/v1/nodes/{saved.Id}" : $"/api/v1/jobs/{job.Id}",
            new NodeActionResult(NodeDto.From(saved), job is null ? null : JobDto.From(job)));
    }

    private static async Task<Accepted<JobDto>> Power(string node, string operation, NodeOperations ops, HttpContext http, CancellationToken ct)
    {
        var target = await ops.ResolveAsync(node, ct);
        var job = await ops.PowerAsync(target.Id, operation.ToLowerInvariant(), ApiCaller.Of(http), ct);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", JobDto.From(job));
    }

    private static async Task<Ok<BootEventDto[]>> Timeline(string node, int? limit, NodeOperations ops, IBootEventRepository events, CancellationToken ct)
    {
        var target = await ops.ResolveAsync(node, ct);
        var list = await events.ListForNodeAsync(target.Id, target.Interfaces.Select(i => i.Mac).ToArray(), Math.Clamp(limit ?? 200, 1, 2000), ct);
        return TypedResults.Ok(list.Select(ToDto).ToArray());
    }

    private static async Task<Ok<NodeHistoryDto[]>> History(string node, int? limit, NodeOperations ops, INodeRepository repo, CancellationToken ct)
    {
        var target = await ops.ResolveAsync(node, ct);
        var list = await repo.GetHistoryAsync(target.Id, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return TypedResults.Ok(list.Select(h => new NodeHistoryDto(h.Id, h.At, h.Actor, h.Kind,
            h.FromState is { } f ? ApiNames.Of(f) : null, h.ToState is { } t ? ApiNames.Of(t) : null, h.Message)).ToArray());
    }

    internal static BootEventDto ToDto(BootEvent e)
    {
        System.Text.Json.JsonElement? details = null;
        if (!string.IsNullOrWhiteSpace(e.DetailsJson))
        {
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(e.DetailsJson);
                details = doc.RootElement.Clone();
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return new BootEventDto(e.Id, e.At, e.NodeId, e.Mac?.ToString(), ApiNames.Of(e.Source), e.Kind, e.Summary, details);
    }
}
