using Provisioner.Appliance.Health;
using Provisioner.Appliance.Identity;
using Provisioner.Appliance.Options;
using Provisioner.Appliance.Services;
using Provisioner.Core.Persistence;
using Provisioner.Storage;
using Provisioner.Templates.Authoring;

namespace Provisioner.Appliance.Hosting;

/// <summary>
/// The composition root: reads the configuration (file given with --config, then PROVISIONER__ environment variables,
/// then the command line), refuses to start on a bad setting with one line and exit code 2, and wires every part.
/// </summary>
public static class ApplianceProgram
{
    /// <summary>Exit code for a configuration the appliance cannot start with.</summary>
    public const int ConfigurationErrorExitCode = 2;

    /// <summary>The named secret holding the boot token key (shared by the appliances of one database).</summary>
    internal const string BootTokenKeySecret = "system/boot-token-key";

    public static async Task<int> RunAsync(string[] args)
    {
        // "provisioner-appliance admin ..." manages users against the same configuration, then exits.
        var admin = args.Length > 0 && args[0] == "admin";
        WebApplication app;
        try
        {
            app = Build(admin ? SettingsArguments(args) : args);
        }
        catch (SettingsException e)
        {
            await Console.Error.WriteLineAsync($"provisioner-appliance: configuration error: {e.Message}").ConfigureAwait(false);
            return ConfigurationErrorExitCode;
        }

        await using (app.ConfigureAwait(false))
        {
            if (!await PrepareStoreAsync(app).ConfigureAwait(false))
            {
                return ConfigurationErrorExitCode;
            }

            if (admin)
            {
                var settingsArgs = SettingsArguments(args).ToHashSet(StringComparer.Ordinal);
                return await AdminCommand.RunAsync(args.Where(a => !settingsArgs.Contains(a)).ToArray(), app.Services).ConfigureAwait(false);
            }

            // Before any job is taken back: the jobs leased to this name are ours only if no live process holds the name.
            try
            {
                await app.Services.GetRequiredService<ApplianceMembership>().ClaimAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (SettingsException e)
            {
                await Console.Error.WriteLineAsync($"provisioner-appliance: configuration error: {e.Message}").ConfigureAwait(false);
                return ConfigurationErrorExitCode;
            }

            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>
    /// The settings among "admin ..." arguments: "--config FILE" and "--Section:Key=value" (settings are PascalCase;
    /// the admin command's own flags are lower case), so "admin create ops --DataDirectory=var" opens the right store.
    /// </summary>
    private static string[] SettingsArguments(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config" && i + 1 < args.Length)
            {
                result.Add(args[i]);
                result.Add(args[++i]);
            }
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Length > 2 && char.IsUpper(args[i][2]) && args[i].Contains('=', StringComparison.Ordinal))
            {
                result.Add(args[i]);
            }
        }

        return result.ToArray();
    }

    /// <summary>Applies schema migrations and seeds the default templates; a database from a newer version stops start-up.</summary>
    private static async Task<bool> PrepareStoreAsync(WebApplication app)
    {
        var settings = app.Services.GetRequiredService<ApplianceSettings>();
        var readiness = app.Services.GetRequiredService<ApplianceReadiness>();
        readiness.Expect("store", "opening the database");
        var store = app.Services.GetRequiredService<ProvisionerStore>();
        try
        {
            await store.MigrateAsync().ConfigureAwait(false);
        }
        catch (SchemaTooNewException e)
        {
            await Console.Error.WriteLineAsync($"provisioner-appliance: storage error: {e.Message}").ConfigureAwait(false);
            return false;
        }

        // Appliances sharing a database must share the key ring: say so now rather than fail on the first secret.
        try
        {
            await app.Services.GetRequiredService<ISecretRepository>().GetAsync(BootTokenKeySecret, CancellationToken.None).ConfigureAwait(false);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            await Console.Error.WriteLineAsync(
                $"provisioner-appliance: configuration error: KeyRingDirectory: the secrets in this database were encrypted with a key ring this " +
                $"appliance does not have ({Path.GetFullPath(ApplianceServices.KeyRingDirectory(settings))}). Appliances sharing a database must share " +
                "the key ring: point KeyRingDirectory at the same directory as the others, or copy their keys there.").ConfigureAwait(false);
            return false;
        }

        if (Directory.Exists(settings.Paths.Templates))
        {
            await TemplateSeeder.SeedAsync(app.Services.GetRequiredService<ITemplateRepository>(), settings.Paths.Templates).ConfigureAwait(false);
            try
            {
                await ProfileSeeder.SeedAsync(app.Services.GetRequiredService<IProfileRepository>(), settings.Paths.Templates).ConfigureAwait(false);
            }
            catch (InvalidDataException e)
            {
                await Console.Error.WriteLineAsync($"provisioner-appliance: default profiles: {e.Message}").ConfigureAwait(false);
                return false;
            }
        }

        readiness.MarkReady("store");
        return true;
    }

    /// <summary>Builds the appliance without running it (tests start it themselves).</summary>
    public static WebApplication Build(string[] args)
    {
        var (configFile, rest) = SplitConfigArgument(args);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = rest,
            ContentRootPath = Directory.GetCurrentDirectory(),
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });

        // Our own sources only, in the documented order (later wins).
        builder.Configuration.Sources.Clear();
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new SettingsException("--config", $"file not found: {full}");
            }

            builder.Configuration.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.Configuration.AddEnvironmentVariables("PROVISIONER__");
        builder.Configuration.AddCommandLine(rest);

        var settings = SettingsLoader.Bind(builder.Configuration);
        var problems = SettingsLoader.Validate(settings);
        if (problems.Count > 0)
        {
            throw problems[0];
        }

        ConfigureLogging(builder, settings);
        builder.WebHost.UseUrls(settings.Http.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);

        // SIGTERM: stop accepting work, let running steps checkpoint, close listeners, exit within 10 s.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(8));

        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApplianceReadiness>();
        ApplianceServices.Add(builder.Services, settings);

        var app = builder.Build();
        ApplianceServices.Map(app, settings);
        app.MapHealthEndpoints();
        return app;
    }

    private static void ConfigureLogging(WebApplicationBuilder builder, ApplianceSettings settings)
    {
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Information);
        if (settings.Log.Format == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.IncludeScopes = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        }
    }

    private static (string? ConfigFile, string[] Remaining) SplitConfigArgument(string[] args)
    {
        string? config = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config")
            {
                if (i + 1 >= args.Length)
                {
                    throw new SettingsException("--config", "needs a file name: --config FILE");
                }

                config = args[++i];
            }
            else if (args[i].StartsWith("--config=", StringComparison.Ordinal))
            {
                config = args[i]["--config=".Length..];
            }
            else
            {
                rest.Add(args[i]);
            }
        }

        return (config, rest.ToArray());
    }
}
