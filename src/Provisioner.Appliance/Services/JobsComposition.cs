using Microsoft.Extensions.DependencyInjection.Extensions;
using Provisioner.Appliance.Health;
using Provisioner.Appliance.Options;
using Provisioner.Appliance.Workflows;
using Provisioner.Boot.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;
using Provisioner.Jobs;
using Provisioner.Jobs.Engine;
using Provisioner.Jobs.Workflows;
using Provisioner.Power;
using Provisioner.Power.Fake;
using Provisioner.Power.Ipmi;
using Provisioner.Power.Manual;
using Provisioner.Power.Monitor;
using Provisioner.Power.Redfish;
using Provisioner.Power.SnmpPdu;
using Provisioner.Templates.Authoring;
using Provisioner.Templates.Engine;

namespace Provisioner.Appliance.Services;

/// <summary>Power drivers, templates, the provisioning workflows and the job engine.</summary>
public static class JobsComposition
{
    public static IServiceCollection AddProvisionerJobs(this IServiceCollection services, ApplianceSettings settings)
    {
        // Power drivers, found by name (MAAS-style explicit registry).
        services.AddOperatorRequests();
        services.AddSingleton<IPowerDriver>(sp => new IpmiPowerDriver(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IPowerDriver>(_ => new RedfishPowerDriver());
        services.AddSingleton<IPowerDriver>(sp => new SnmpPduPowerDriver(timeProvider: sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPowerDriver>(sp => new ManualPowerDriver(sp.GetRequiredService<IOperatorRequestSink>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IPowerDriver, FakePowerDriver>();
        services.AddSingleton(sp => new PowerDriverRegistry(sp.GetServices<IPowerDriver>()));
        services.AddSingleton(sp => new PowerActionRunner(sp.GetRequiredService<PowerDriverRegistry>(), null, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PowerActionRunner>>()));

        // The power monitor keeps every node's power state fresh (bounded parallelism, back-off per BMC).
        services.AddSingleton<IPowerTargetSource, NodePowerTargets>();
        services.AddSingleton<IPowerStateObserver>(sp => sp.GetRequiredService<NodePowerHistory>());
        if (settings.Power.MonitorIntervalSeconds > 0)
        {
            services.AddLoop("power monitor", (sp, ct) => ActivatorUtilities.CreateInstance<PowerMonitor>(sp,
                new PowerMonitorOptions { Interval = TimeSpan.FromSeconds(settings.Power.MonitorIntervalSeconds) }).RunAsync(ct));
        }

        // Templates.
        services.AddSingleton(sp => new TemplateEngine(null, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TemplateEngine>>()));
        services.AddSingleton(sp => new TemplateService(sp.GetRequiredService<ITemplateRepository>(), sp.GetRequiredService<TemplateEngine>()));
        services.AddSingleton(sp => sp.GetRequiredService<TemplateService>().Renderer);
        services.AddSingleton<Api.ITemplatePreviewer, Templates.EngineTemplatePreviewer>();

        // Workflows.
        services.AddSingleton<NodePower>();
        services.AddSingleton<ProvisioningSteps>();
        services.AddSingleton<IJobWorkflow, CommissionWorkflow>();
        services.AddSingleton<IJobWorkflow, DeployWorkflow>();
        services.AddSingleton<IJobWorkflow, ReleaseWorkflow>();
        services.AddSingleton<IJobWorkflow, RescueWorkflow>();
        services.AddSingleton<IJobWorkflow>(sp => new PowerWorkflow("power-on", PowerAction.On, sp.GetRequiredService<ProvisioningSteps>()));
        services.AddSingleton<IJobWorkflow>(sp => new PowerWorkflow("power-off", PowerAction.Off, sp.GetRequiredService<ProvisioningSteps>()));
        services.AddSingleton<IJobWorkflow>(sp => new PowerWorkflow("power-cycle", PowerAction.Cycle, sp.GetRequiredService<ProvisioningSteps>()));
        services.AddSingleton<IJobWorkflow, FakeWorkflow>();
        services.AddSingleton<IJobWorkflow, NoOpWorkflow>();
        services.AddSingleton(sp => new WorkflowRegistry(sp.GetServices<IJobWorkflow>()));

        // Engine and service.
        services.AddSingleton<JobEventHub>();
        services.AddSingleton(sp => new JobEngine(sp.GetRequiredService<IJobStore>(), sp.GetRequiredService<WorkflowRegistry>(),
            new JobEngineOptions
            {
                ApplianceId = settings.ApplianceName,
                InstanceId = sp.GetRequiredService<ApplianceMembership>().InstanceId.ToString("N")[..12],
                MaxConcurrentJobs = settings.Jobs.MaxConcurrent,
                LeaseDuration = TimeSpan.FromSeconds(settings.Jobs.LeaseSeconds),
                HeartbeatInterval = TimeSpan.FromSeconds(settings.Jobs.LeaseSeconds) / 3,
                MaxStepInterruptions = settings.Jobs.MaxStepInterruptions,
                ServedBpods = settings.Jobs.ServedBpods.Count == 0 ? null : settings.Jobs.ServedBpods.Select(Guid.Parse).ToArray(),
            },
            sp.GetRequiredService<JobEventHub>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<JobEngine>>()));
        services.AddSingleton<IJobService>(sp => new JobService(sp.GetRequiredService<IJobStore>(), sp.GetRequiredService<WorkflowRegistry>(),
            sp.GetRequiredService<JobEventHub>(), sp.GetRequiredService<TimeProvider>(),
            settings.Jobs.Enabled ? sp.GetRequiredService<JobEngine>() : null, sp.GetRequiredService<INodeRepository>()));
        if (settings.Jobs.Enabled)
        {
            services.AddLoop("job engine", async (sp, ct) =>
            {
                var readiness = sp.GetRequiredService<ApplianceReadiness>();
                readiness.MarkReady("jobs");
                await sp.GetRequiredService<JobEngine>().RunAsync(ct).ConfigureAwait(false);
            });
        }

        return services;
    }

    /// <summary>
    /// The manual power driver's requests, stored and resolved by operators, and the power history they write to.
    /// Also used by hosts of the web surface alone (the API tests), hence the Try: the appliance's boot composition
    /// registers the inventory snapshot and the state changer first.
    /// </summary>
    public static IServiceCollection AddOperatorRequests(this IServiceCollection services)
    {
        services.TryAddSingleton<InventorySnapshotCache>();
        services.TryAddSingleton<NodeStateChanger>();
        services.TryAddSingleton<NodePowerHistory>();
        services.TryAddSingleton<StoredOperatorRequests>();
        services.TryAddSingleton<IOperatorRequestSink>(sp => sp.GetRequiredService<StoredOperatorRequests>());
        return services;
    }
}
