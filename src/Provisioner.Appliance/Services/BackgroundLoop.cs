namespace Provisioner.Appliance.Services;

/// <summary>Runs one long-lived loop (a protocol server, the job engine, a refresher) for the life of the host.</summary>
public sealed class BackgroundLoop(string name, Func<CancellationToken, Task> run, ILogger<BackgroundLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await run(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "{Loop} stopped: {Error}", name, e.Message);
            throw;
        }
    }
}

/// <summary>Registers named background loops.</summary>
public static class BackgroundLoopRegistration
{
    public static IServiceCollection AddLoop(this IServiceCollection services, string name, Func<IServiceProvider, CancellationToken, Task> run) =>
        services.AddSingleton<IHostedService>(sp => new BackgroundLoop(name, ct => run(sp, ct), sp.GetRequiredService<ILogger<BackgroundLoop>>()));
}
