using Microsoft.Extensions.DependencyInjection;
using Provisioner.Core.Boot;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.TestKit.InMemory;

public static class InMemoryServiceCollectionExtensions
{
    /// <summary>Registers every Core repository interface over one <see cref="InMemoryStore"/> (and the store itself).</summary>
    public static IServiceCollection AddInMemoryProvisionerStore(this IServiceCollection services, InMemoryStore? store = null)
    {
        store ??= new InMemoryStore();
        services.AddSingleton(store);
        services.AddSingleton<IZoneRepository>(store.Zones);
        services.AddSingleton<IBpodRepository>(store.Bpods);
        services.AddSingleton<INodeRepository>(store.Nodes);
        services.AddSingleton<IImageRepository>(store.Images);
        services.AddSingleton<IProfileRepository>(store.Profiles);
        services.AddSingleton<IClusterRepository>(store.Clusters);
        services.AddSingleton<IAuditLog>(store.Audit);
        services.AddSingleton<ISecretRepository>(store.Secrets);
        services.AddSingleton<ILeaseRepository>(store.Leases);
        services.AddSingleton<ITemplateRepository>(store.Templates);
        services.AddSingleton<IUserRepository>(store.Users);
        services.AddSingleton<IBootEventRepository>(store.BootEvents);
        services.AddSingleton<IOperatorRequestRepository>(store.OperatorRequests);
        return services;
    }

    /// <summary>Registers a <see cref="FakeJobService"/> as the <see cref="IJobService"/>.</summary>
    public static IServiceCollection AddFakeJobService(this IServiceCollection services, FakeJobService jobs)
    {
        services.AddSingleton(jobs);
        services.AddSingleton<IJobService>(jobs);
        return services;
    }
}
