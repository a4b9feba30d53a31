using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Appliance.Services;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>
/// /api/v1/power-requests: what the manual power driver asked operators to do. Anyone signed in reads them; operators
/// say a request is done (which sets the node's power state for a power action) or dismiss it.
/// </summary>
public static class PowerRequestEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var requests = api.MapGroup("/power-requests").WithTags("Power");
        requests.MapGet("/", List).WithName("ListPowerRequests");
        requests.MapGet("/{id:guid}", Get).WithName("GetPowerRequest");
        requests.MapPost("/{id:guid}/confirm", Confirm).WithName("ConfirmPowerRequest").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        requests.MapPost("/{id:guid}/dismiss", Dismiss).WithName("DismissPowerRequest").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
    }

    /// <summary>Newest first; <c>?status=pending|done|dismissed</c> (all when absent), <c>?node=</c> id, hostname or MAC.</summary>
    private static async Task<Ok<PagedResponse<PowerRequestDto>>> List(IOperatorRequestRepository repo, INodeRepository nodes, NodeOperations ops,
        string? status, string? node, int? offset, int? limit, CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        OperatorRequestStatus? s = null;
        if (status is not null)
        {
            s = ApiNames.TryParse<OperatorRequestStatus>(status, out var parsed) ? parsed
                : throw ApiValidationException.For("status", $"Unknown status '{status}'; use one of: {string.Join(", ", ApiNames.All<OperatorRequestStatus>())}.");
        }

        Guid? nodeId = node is null ? null : (await ops.ResolveAsync(node, ct)).Id;
        var result = await repo.ListAsync(new OperatorRequestQuery { Status = s, NodeId = nodeId, Page = page }, ct);
        var names = await HostnamesAsync(nodes, result.Items.Select(r => r.NodeId), ct);
        return TypedResults.Ok(PageQuery.Map(result, r => PowerRequestDto.From(r, names.GetValueOrDefault(r.NodeId))));
    }

    private static async Task<Ok<PowerRequestDto>> Get(Guid id, IOperatorRequestRepository repo, INodeRepository nodes, CancellationToken ct)
    {
        var request = await repo.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No power request {id}; list them with GET /api/v1/power-requests.");
        return TypedResults.Ok(await ToDtoAsync(request, nodes, ct));
    }

    private static async Task<Ok<PowerRequestDto>> Confirm(Guid id, StoredOperatorRequests sink, INodeRepository nodes, IAuditLog audit, HttpContext http,
        CancellationToken ct)
    {
        var done = await sink.ConfirmAsync(id, ApiCaller.Of(http).Name, ct);
        var dto = await ToDtoAsync(done, nodes, ct);
        await audit.RecordAsync(http, "power-request.confirm", "power-request", id.ToString(), $"{dto.Hostname ?? done.NodeId.ToString()}: {done.What}");
        return TypedResults.Ok(dto);
    }

    private static async Task<Ok<PowerRequestDto>> Dismiss(Guid id, StoredOperatorRequests sink, INodeRepository nodes, IAuditLog audit, HttpContext http,
        CancellationToken ct)
    {
        var dismissed = await sink.DismissAsync(id, ApiCaller.Of(http).Name, ct);
        var dto = await ToDtoAsync(dismissed, nodes, ct);
        await audit.RecordAsync(http, "power-request.dismiss", "power-request", id.ToString(), $"{dto.Hostname ?? dismissed.NodeId.ToString()}: {dismissed.What}");
        return TypedResults.Ok(dto);
    }

    private static async Task<PowerRequestDto> ToDtoAsync(OperatorRequestRecord r, INodeRepository nodes, CancellationToken ct) =>
        PowerRequestDto.From(r, (await nodes.GetAsync(r.NodeId, ct))?.Hostname);

    /// <summary>Hostnames of the nodes a page of requests names (a page holds few distinct nodes).</summary>
    internal static async Task<Dictionary<Guid, string>> HostnamesAsync(INodeRepository nodes, IEnumerable<Guid> ids, CancellationToken ct)
    {
        var names = new Dictionary<Guid, string>();
        foreach (var id in ids.Distinct())
        {
            if (await nodes.GetAsync(id, ct) is { } n)
            {
                names[id] = n.Hostname;
            }
        }

        return names;
    }
}
