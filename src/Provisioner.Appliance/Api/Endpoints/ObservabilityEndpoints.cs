using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Diagnostics;
using Provisioner.Core.Boot;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/audit, /api/v1/boot-events, /api/v1/diagnostics.</summary>
public static class ObservabilityEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/audit", Audit).WithTags("Audit").WithName("ListAudit");
        api.MapGet("/boot-events", BootEvents).WithTags("Events").WithName("ListRecentBootEvents");
        api.MapGet("/diagnostics", Diagnostics).WithTags("Diagnostics").WithName("Diagnostics");
    }

    private static async Task<Ok<PagedResponse<AuditDto>>> Audit(IAuditLog audit, string? objectType, string? objectId, int? offset, int? limit,
        CancellationToken ct) =>
        TypedResults.Ok(PageQuery.Map(await audit.ListAsync(objectType, objectId, PageQuery.From(offset, limit), ct), AuditDto.From));

    private static async Task<Ok<BootEventDto[]>> BootEvents(IBootEventRepository events, int? limit, CancellationToken ct) =>
        TypedResults.Ok((await events.ListRecentAsync(Math.Clamp(limit ?? 100, 1, 1000), ct)).Select(NodeEndpoints.ToDto).ToArray());

    /// <summary>Runs every registered check at once (each bounded by its own timeout) and reports them in registration order.</summary>
    private static async Task<Ok<DiagnosticsReport>> Diagnostics(DiagnosticsRunner runner, TimeProvider time, CancellationToken ct)
    {
        var outcomes = await runner.RunAsync(ct);
        var version = typeof(ObservabilityEndpoints).Assembly.GetName().Version?.ToString() ?? "dev";
        return TypedResults.Ok(new DiagnosticsReport(time.GetUtcNow(), version, outcomes
            .Select(o => new DiagnosticDto(o.Name, o.Result.Status, o.Result.Summary, o.Result.Fix, (long)o.Duration.TotalMilliseconds, o.Result.Details))
            .ToArray()));
    }
}
