namespace Provisioner.Appliance.Health;

/// <summary>/healthz: the process is alive. /readyz: the store is open and every listener is bound.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n", "text/plain"));
        app.MapGet("/readyz", (ApplianceReadiness readiness) =>
        {
            var parts = readiness.Snapshot();
            var body = new { ready = readiness.IsReady, parts = parts.ToDictionary(p => p.Key, p => p.Value ?? "ready") };
            return readiness.IsReady ? Results.Json(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}
