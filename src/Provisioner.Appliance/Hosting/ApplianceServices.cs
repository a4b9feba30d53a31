using Microsoft.AspNetCore.DataProtection;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Dashboard;
using Provisioner.Appliance.Diagnostics;
using Provisioner.Appliance.Identity;
using Provisioner.Appliance.Options;
using Provisioner.Appliance.Security;
using Provisioner.Appliance.Services;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Hosting;

/// <summary>Registers and maps every part of the appliance. One place, so the wiring reads top to bottom.</summary>
internal static class ApplianceServices
{
    public static void Add(IServiceCollection services, ApplianceSettings settings)
    {
        Directory.CreateDirectory(settings.DataDirectory);
        // The key ring encrypts BMC passwords and secrets in the database: readable by the appliance's user only.
        var keys = Directory.CreateDirectory(KeyRingDirectory(settings));
        File.SetUnixFileMode(keys.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        services.AddDataProtection()
            .SetApplicationName("provisioner")
            .PersistKeysToFileSystem(keys);
        services.AddSingleton<ISecretProtector, DataProtectionSecretProtector>();

        services.AddProvisionerStore(settings);
        services.AddProvisionerBoot(settings);
        services.AddProvisionerJobs(settings);
        services.AddProvisionerIdentity();
        services.AddProvisionerApi();
        // Uploads and imports land where the boot file endpoints serve images from; locations are relative to it.
        services.Configure<ApiOptions>(o =>
        {
            o.ImagesDirectory = Path.GetFullPath(BootFileEndpoints.ImagesDirectory(settings));
            o.MaxImageUploadBytes = settings.Api.MaxImageUploadBytes;
            o.ImportChunkBytes = settings.Api.ImportChunkBytes;
        });
        services.AddProvisionerDiagnostics();
        services.AddProvisionerDashboard();
    }

    /// <summary>KeyRingDirectory, or "keys" in the data directory.</summary>
    public static string KeyRingDirectory(ApplianceSettings settings) =>
        string.IsNullOrWhiteSpace(settings.KeyRingDirectory) ? Path.Combine(settings.DataDirectory, "keys") : settings.KeyRingDirectory;

    public static void Map(WebApplication app, ApplianceSettings settings)
    {
        app.MapProvisionerBoot(settings);
        app.UseProvisionerAuthentication();
        app.MapProvisionerApi();
        app.MapProvisionerDashboard();
    }
}
