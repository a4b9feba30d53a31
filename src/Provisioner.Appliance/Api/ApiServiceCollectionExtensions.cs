using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.Appliance.Api.Endpoints;
using Provisioner.Appliance.Diagnostics;
using Provisioner.Appliance.Identity;

namespace Provisioner.Appliance.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// The REST API's services. Needs the Core repositories, IBootEventRepository, Provisioner.Jobs.IJobService and the
    /// operator requests (<see cref="Services.JobsComposition.AddOperatorRequests"/>) in DI.
    /// Register your own <see cref="ITemplatePreviewer"/>, <see cref="IImageImporter"/> and <see cref="IDiagnosticCheck"/>s
    /// to replace the defaults (template preview answers 501 without one).
    /// </summary>
    public static IServiceCollection AddProvisionerApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddEndpointsApiExplorer();
        services.AddOptions<ApiOptions>();
        services.TryAddSingleton<NodeEventHub>();
        services.TryAddScoped<NodeOperations>();
        services.TryAddSingleton<ITemplatePreviewer, UnconfiguredTemplatePreviewer>();
        services.TryAddSingleton<IImageImporter, KeepAsUploadedImporter>();
        services.TryAddSingleton<ChunkedImageImport>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDiagnosticCheck, ClockDiagnosticCheck>());
        services.TryAddSingleton<DiagnosticsRunner>();
        services.TryAddTransient<OpenApiDocumentBuilder>();
        return services;
    }

    /// <summary>
    /// Maps /api/v1/** (authenticated: viewer to read, operator for jobs/power/templates, admin for inventory and users),
    /// the anonymous one-time setup and login routes, and /openapi/v1.json (health checks are the host's).
    /// </summary>
    public static IEndpointRouteBuilder MapProvisionerApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup("/api/v1").AddEndpointFilter<ApiExceptionFilter>().AddEndpointFilter<CookieAntiforgeryFilter>();
        AccountEndpoints.MapAnonymous(root);

        var api = root.MapGroup(string.Empty).RequireAuthorization(ProvisionerClaims.ViewerPolicy);
        InventoryEndpoints.Map(api);
        NodeEndpoints.Map(api);
        JobEndpoints.Map(api);
        ImageEndpoints.Map(api);
        TemplateEndpoints.Map(api);
        AccountEndpoints.Map(api);
        ObservabilityEndpoints.Map(api);
        ProfileEndpoints.Map(api);
        PowerRequestEndpoints.Map(api);

        app.MapGet("/openapi/v1.json", (OpenApiDocumentBuilder builder) => Results.Text(builder.Build().ToJsonString(), "application/json"))
            .AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>Problem details for /api responses that would otherwise have an empty body (unreadable JSON, unknown route).</summary>
    public static IApplicationBuilder UseProvisionerApiProblems(this IApplicationBuilder app) =>
        app.UseWhen(ctx => ctx.Request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase), branch =>
        {
            branch.UseStatusCodePages(async ctx =>
            {
                var response = ctx.HttpContext.Response;
                var detail = response.StatusCode switch
                {
                    400 => "The request could not be read: check that the body is valid JSON with the documented fields, and the query parameters' types (see /openapi/v1.json).",
                    404 => $"No API route {ctx.HttpContext.Request.Method} {ctx.HttpContext.Request.Path}; see /openapi/v1.json for the routes.",
                    405 => $"{ctx.HttpContext.Request.Method} is not supported on {ctx.HttpContext.Request.Path}.",
                    415 => "Send the body as application/json.",
                    _ => null,
                };
                await ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = new ProblemDetails { Status = response.StatusCode, Detail = detail },
                });
            });
            branch.UseExceptionHandler(new ExceptionHandlerOptions
            {
                ExceptionHandler = async ctx =>
                {
                    var error = ctx.Features.Get<IExceptionHandlerFeature>()?.Error;
                    var problem = error is null ? null : ApiExceptionFilter.ToProblem(error is BadHttpRequestException { InnerException: { } inner } ? inner : error);
                    if (problem is not null)
                    {
                        await problem.ExecuteAsync(ctx);
                        return;
                    }

                    ctx.Response.StatusCode = error is BadHttpRequestException bad ? bad.StatusCode : 500;
                    await ctx.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                    {
                        HttpContext = ctx,
                        ProblemDetails = new ProblemDetails
                        {
                            Status = ctx.Response.StatusCode,
                            Detail = ctx.Response.StatusCode == 500
                                ? "An internal error occurred; the appliance log has the details (search for the trace id)."
                                : error?.Message,
                        },
                    });
                },
            });
        });
}
