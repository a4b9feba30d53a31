using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
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

    /// <summary>Runs every registered check (each bounded to 10 s) and reports them in order.</summary>
    private static async Task<Ok<DiagnosticsReport>> Diagnostics(IEnumerable<IDiagnosticCheck> checks, TimeProvider time, CancellationToken ct)
    {
        var results = new List<DiagnosticDto>();
        foreach (var check in checks)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                var r = await check.RunAsync(timeout.Token);
                results.Add(new DiagnosticDto(check.Name, r.Status, r.Summary, r.Fix));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                results.Add(new DiagnosticDto(check.Name, "fail", "The check did not finish within 10 s.", "Look at the appliance log for this check."));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results.Add(new DiagnosticDto(check.Name, "fail", ex.Message, "Look at the appliance log for this check."));
            }
        }

        var version = typeof(ObservabilityEndpoints).Assembly.GetName().Version?.ToString() ?? "dev";
        return TypedResults.Ok(new DiagnosticsReport(time.GetUtcNow(), version, [.. results]));
    }
}
