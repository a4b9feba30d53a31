using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;

namespace Provisioner.Appliance.Identity;

/// <summary>
/// For /api routes, answers 401/403 with problem details that say what to do (sign in, or which role is needed)
/// instead of a bare status or a redirect to the sign-in page; everything else gets the default behaviour.
/// </summary>
public sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || authorizeResult.Succeeded)
        {
            return _default.HandleAsync(next, context, policy, authorizeResult);
        }

        if (authorizeResult.Challenged || context.User.Identity?.IsAuthenticated != true)
        {
            return WriteUnauthorizedAsync(context);
        }

        var roles = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToArray();
        return WriteForbiddenAsync(context, roles);
    }

    internal static Task WriteUnauthorizedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"provisioner\"";
        return context.Response.WriteAsJsonAsync(new ProblemDetails
        {
            Type = "https://provisioner.dev/problems/unauthenticated",
            Title = "Authentication required",
            Status = 401,
            Detail = "Send 'Authorization: Bearer <token>' (create one with 'provisioner login' or on the dashboard's Tokens page), "
                     + "or sign in to the dashboard. A token that is revoked or expired is refused.",
        }, options: null, contentType: "application/problem+json");
    }

    internal static Task WriteForbiddenAsync(HttpContext context, IReadOnlyList<string>? roles)
    {
        var role = context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "none";
        var needed = roles is { Count: > 0 } ? string.Join(" or ", roles.Where(r => r != "viewer" || roles.Count == 1)) : "a higher role";
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return context.Response.WriteAsJsonAsync(new ProblemDetails
        {
            Type = "https://provisioner.dev/problems/forbidden",
            Title = "Your role does not allow this",
            Status = 403,
            Detail = $"You are signed in as '{context.User.Identity?.Name}' with role '{role}'; this needs {needed}. Ask an admin to change your role.",
        }, options: null, contentType: "application/problem+json");
    }
}
