using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Hosting;

/// <summary>Registers and maps every part of the appliance. One place, so the wiring reads top to bottom.</summary>
internal static class ApplianceServices
{
    public static void Add(IServiceCollection services, ApplianceSettings settings)
    {
        _ = services;
        _ = settings;
    }

    public static void Map(WebApplication app, ApplianceSettings settings)
    {
        app.MapBootFiles(settings);
    }
}
