using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Identity;

public static class IdentityServiceCollectionExtensions
{
    /// <summary>
    /// Local users, the dashboard cookie, API bearer tokens and the viewer/operator/admin policies.
    /// Needs <see cref="IUserRepository"/> and <see cref="IAuditLog"/> from DI.
    /// </summary>
    public static IServiceCollection AddProvisionerIdentity(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SignInThrottle>();
        services.TryAddScoped<UserAccounts>();
        services.TryAddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();

        services.AddAuthentication(ProvisionerClaims.PolicyScheme)
            .AddPolicyScheme(ProvisionerClaims.PolicyScheme, "Cookie or bearer token", o =>
            {
                o.ForwardDefaultSelector = ctx =>
                    ctx.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                        ? ProvisionerClaims.BearerScheme
                        : ProvisionerClaims.CookieScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(ProvisionerClaims.BearerScheme, null)
            .AddCookie(ProvisionerClaims.CookieScheme, o =>
            {
                o.Cookie.Name = "provisioner.session";
                o.Cookie.HttpOnly = true;

                // Strict: a cross-site page can never make the browser send the session (with anti-forgery tokens as well).
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.LoginPath = "/login";
                o.LogoutPath = "/logout";
                o.AccessDeniedPath = "/denied";
                o.Events = new CookieAuthenticationEvents
                {
                    OnRedirectToLogin = ctx => IsApi(ctx.Request) ? ApiAuthorizationResultHandler.WriteUnauthorizedAsync(ctx.HttpContext) : Redirect(ctx),
                    OnRedirectToAccessDenied = ctx => IsApi(ctx.Request) ? ApiAuthorizationResultHandler.WriteForbiddenAsync(ctx.HttpContext, null) : Redirect(ctx),
                    OnValidatePrincipal = ValidateCookieUserAsync,
                };
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(ProvisionerClaims.ViewerPolicy, p => p.RequireAuthenticatedUser().RequireRole("viewer", "operator", "admin"))
            .AddPolicy(ProvisionerClaims.OperatorPolicy, p => p.RequireAuthenticatedUser().RequireRole("operator", "admin"))
            .AddPolicy(ProvisionerClaims.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole("admin"));
        return services;
    }

    /// <summary>
    /// Problem-details bodies for /api/v1 errors, then authentication and authorization (call before mapping the endpoints).
    /// </summary>
    public static IApplicationBuilder UseProvisionerAuthentication(this IApplicationBuilder app)
    {
        Api.ApiServiceCollectionExtensions.UseProvisionerApiProblems(app);
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> ctx)
    {
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>A disabled or deleted user loses the dashboard at the next request, and a role change applies at once.</summary>
    private static async Task ValidateCookieUserAsync(CookieValidatePrincipalContext ctx)
    {
        var id = ctx.Principal?.UserId();
        var users = ctx.HttpContext.RequestServices.GetRequiredService<IUserRepository>();
        var user = id is { } uid ? await users.GetAsync(uid, ctx.HttpContext.RequestAborted) : null;
        if (user is null || user.Disabled)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(ProvisionerClaims.CookieScheme);
            return;
        }

        if (!ctx.Principal!.IsInRole(ProvisionerClaims.RoleName(user.Role)))
        {
            ctx.ReplacePrincipal(ProvisionerClaims.PrincipalFor(user, "cookie"));
            ctx.ShouldRenew = true;
        }
    }
}
