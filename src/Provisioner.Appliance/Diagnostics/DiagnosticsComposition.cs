using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.Appliance.Api;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>The appliance's own checks behind GET /api/v1/diagnostics and 'provisioner doctor' (the clock check comes with the API).</summary>
public static class DiagnosticsComposition
{
    public static IServiceCollection AddProvisionerDiagnostics(this IServiceCollection services)
    {
        services.AddHttpClient();
        services.TryAddSingleton<ListenerRegistry>();
        services.AddSingleton<IDiagnosticCheck, BootLoaderDiagnosticCheck>();
        services.AddSingleton<IDiagnosticCheck, LiveImageDiagnosticCheck>();
        services.AddSingleton<IDiagnosticCheck, PublicUrlDiagnosticCheck>();
        services.AddSingleton<IDiagnosticCheck, DhcpListenerDiagnosticCheck>();
        services.AddSingleton<IDiagnosticCheck, TftpDiagnosticCheck>();
        services.AddSingleton<IDiagnosticCheck, ForeignDhcpDiagnosticCheck>();
        services.AddSingleton<IDiagnosticCheck, BmcDiagnosticCheck>();
        return services;
    }
}
