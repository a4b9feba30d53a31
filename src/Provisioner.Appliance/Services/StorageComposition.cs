using Provisioner.Appliance.Options;
using Provisioner.Core.Persistence;
using Provisioner.Storage;
using StoreSettings = Provisioner.Storage.StorageSettings;
using StoreProvider = Provisioner.Storage.StorageProvider;

namespace Provisioner.Appliance.Services;

/// <summary>The store (SQLite or PostgreSQL) and every repository it provides.</summary>
public static class StorageComposition
{
    public static IServiceCollection AddProvisionerStore(this IServiceCollection services, ApplianceSettings settings)
    {
        services.AddSingleton(sp => ProvisionerStore.Open(
            new StoreSettings
            {
                Provider = settings.Storage.Provider == Options.StorageProvider.Postgres ? StoreProvider.Postgres : StoreProvider.Sqlite,
                ConnectionString = string.IsNullOrWhiteSpace(settings.Storage.ConnectionString) ? null : settings.Storage.ConnectionString,
                DataDirectory = settings.DataDirectory,
            },
            sp.GetRequiredService<ISecretProtector>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Provisioner.Storage")));
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Zones);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Bpods);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Nodes);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Images);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Profiles);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Clusters);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Audit);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Secrets);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Leases);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Templates);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Users);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().BootEvents);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Jobs);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().Appliances);
        services.AddSingleton(sp => sp.GetRequiredService<ProvisionerStore>().OperatorRequests);
        services.AddSingleton<ApplianceMembership>();
        services.AddLoop("appliance heartbeat", (sp, ct) => sp.GetRequiredService<ApplianceMembership>().RunAsync(ct));
        return services;
    }
}
