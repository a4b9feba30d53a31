using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Api;

/// <summary>
/// Turns domain exceptions into RFC 7807 problem details that say what to fix: an invalid lifecycle action lists the
/// allowed ones, a concurrency conflict says to reload, a duplicate names the clash.
/// </summary>
public sealed class ApiExceptionFilter(ILogger<ApiExceptionFilter> logger) : IEndpointFilter
{
    public const string ProblemBase = "https://provisioner.dev/problems/";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (ToProblem(ex) is { } problem)
        {
            logger.LogDebug(ex, "API request {Path} refused with {Status}", context.HttpContext.Request.Path, (problem as IStatusCodeHttpResult)?.StatusCode);
            return problem;
        }
    }

    /// <summary>The problem result for a known exception type, or null to let it surface as a 500.</summary>
    public static IResult? ToProblem(Exception ex) => ex switch
    {
        ApiValidationException v => TypedResults.ValidationProblem(v.Errors.ToDictionary(e => e.Key, e => e.Value), v.Message,
            type: ProblemBase + "validation", title: "Some fields are invalid"),
        InvalidTransitionException t => TypedResults.Problem(new ProblemDetails
        {
            Status = 409,
            Type = ProblemBase + "invalid-transition",
            Title = "That action is not allowed in the node's state",
            Detail = t.Message,
            Extensions =
            {
                ["state"] = ApiNames.Of(t.State),
                ["action"] = ApiNames.Of(t.Action),
                ["allowedActions"] = t.Allowed.Where(ApiNames.IsOperatorAction).Select(ApiNames.Of).ToArray(),
            },
        }),
        ConcurrencyException c => Problem(409, "concurrency", "Someone else changed it first", c.Message + " Re-read the object and apply your change again."),
        DuplicateException d => Problem(409, "duplicate", "It already exists", d.Message),
        JobRejectedException j => Problem(409, "job-rejected", "The job was not accepted", j.Message),
        ApiNotFoundException n => Problem(404, "not-found", "Not found", n.Message),
        ImageImportException i => Problem(i.Status, i.Type, i.Title, i.Message),
        KeyNotFoundException k => Problem(404, "not-found", "Not found", k.Message),
        FeatureUnavailableException f => Problem(501, "unavailable", "Not available on this appliance", f.Message),
        InvalidOperationException i => Problem(409, "conflict", "Not possible right now", i.Message),
        ArgumentException a => Problem(400, "bad-request", "Invalid request", a.Message),
        FormatException f => Problem(400, "bad-request", "Invalid request", f.Message),
        _ => null,
    };

    private static ProblemHttpResult Problem(int status, string type, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: ProblemBase + type);
}
