using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Provisioner.Appliance.Identity;

namespace Provisioner.Appliance.Dashboard;

public static class DashboardServiceCollectionExtensions
{
    /// <summary>The server-rendered dashboard (Razor Pages under Dashboard/Pages; everything but sign-in needs a user).</summary>
    public static IServiceCollection AddProvisionerDashboard(this IServiceCollection services)
    {
        services.AddRazorPages(o =>
            {
                o.RootDirectory = "/Dashboard/Pages";
                o.Conventions.AuthorizeFolder("/", ProvisionerClaims.ViewerPolicy);
                o.Conventions.AllowAnonymousToPage("/Login");
                o.Conventions.AllowAnonymousToPage("/Setup");
                o.Conventions.AllowAnonymousToPage("/Denied");
            })
            .ConfigureApplicationPartManager(parts =>
            {
                // When the host is not this assembly (tests), the pages must still be found; never add them twice.
                var assembly = typeof(DashboardServiceCollectionExtensions).Assembly;
                if (!parts.ApplicationParts.Any(p => p.Name == assembly.GetName().Name))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "provisioner.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.HeaderName = "RequestVerificationToken";
        });
        return services;
    }

    /// <summary>Serves the dashboard's own CSS/JS (wwwroot/dashboard, no CDN) and maps its pages.</summary>
    public static WebApplication MapProvisionerDashboard(this WebApplication app)
    {
        app.UseStaticFiles();
        app.MapRazorPages();
        return app;
    }
}
