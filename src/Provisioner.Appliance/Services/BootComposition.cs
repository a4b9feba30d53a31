using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Provisioner.Appliance.Agent;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Diagnostics;
using Provisioner.Appliance.Health;
using Provisioner.Appliance.Options;
using Provisioner.Boot.Dhcp;
using Provisioner.Boot.Enlistment;
using Provisioner.Boot.Inventory;
using Provisioner.Boot.Tftp;
using Provisioner.Boot.Timeline;
using Provisioner.Boot.Tokens;
using Provisioner.Core.Persistence;
using Provisioner.Dhcp;
using Provisioner.Dhcp.Boot;
using Provisioner.Net;
using Provisioner.Tftp;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Transport;

namespace Provisioner.Appliance.Services;

/// <summary>What a booting machine meets: the inventory snapshot, DHCP, TFTP, the boot timeline, tokens, enlistment.</summary>
public static class BootComposition
{
    public static IServiceCollection AddProvisionerBoot(this IServiceCollection services, ApplianceSettings settings)
    {
        services.AddSingleton<InventorySnapshotCache>();
        services.AddSingleton<ClientAddressBook>();
        services.AddSingleton<BootTimeline>();
        services.AddSingleton<NodeEnlister>();
        services.AddSingleton<IEnlistmentQueue>(sp => sp.GetRequiredService<NodeEnlister>());
        services.AddSingleton<AgentTaskBroker>();
        services.AddSingleton<DeployCallbacks>();
        services.AddSingleton<NodeStateChanger>();
        services.AddSingleton<NodeTemplates>();
        services.AddSingleton(sp => new BootTokenService(LoadBootTokenKey(sp.GetRequiredService<ISecretRepository>()), sp.GetRequiredService<TimeProvider>()));

        services.AddLoop("inventory snapshot", (sp, ct) => sp.GetRequiredService<InventorySnapshotCache>().RunAsync(ct));
        services.AddLoop("boot timeline", (sp, ct) => sp.GetRequiredService<BootTimeline>().RunAsync(ct));
        services.AddLoop("enlistment", (sp, ct) => sp.GetRequiredService<NodeEnlister>().RunAsync(ct));

        if (settings.Dhcp.Mode != DhcpMode.Off)
        {
            services.AddLoop("dhcp", (sp, ct) => RunDhcpAsync(sp, settings, ct));
        }

        if (settings.Tftp.Enabled)
        {
            services.AddLoop("tftp", (sp, ct) => RunTftpAsync(sp, settings, ct));
        }

        return services;
    }

    public static IEndpointRouteBuilder MapProvisionerBoot(this IEndpointRouteBuilder app, ApplianceSettings settings)
    {
        app.MapBootFiles(settings);
        app.MapIpxeScripts();
        app.MapInstallerConfigs();
        app.MapInstallerImages(settings);
        app.MapAgentApi();
        return app;
    }

    /// <summary>The boot token key lives in the store, so every appliance of an installation accepts every token.</summary>
    private static byte[] LoadBootTokenKey(ISecretRepository secrets)
    {
        const string name = Hosting.ApplianceProgram.BootTokenKeySecret;
        var existing = secrets.GetAsync(name, CancellationToken.None).GetAwaiter().GetResult();
        if (existing is not null)
        {
            return Convert.FromBase64String(existing);
        }

        var key = BootTokenService.NewKey();
        secrets.SetAsync(name, Convert.ToBase64String(key), CancellationToken.None).GetAwaiter().GetResult();
        // Two appliances starting at once: the last write wins; read it back so both use the same key.
        return Convert.FromBase64String(secrets.GetAsync(name, CancellationToken.None).GetAwaiter().GetResult()!);
    }

    private static async Task RunDhcpAsync(IServiceProvider sp, ApplianceSettings settings, CancellationToken ct)
    {
        var readiness = sp.GetRequiredService<ApplianceReadiness>();
        readiness.Expect("dhcp", "opening DHCP sockets");
        var baseUrl = NodeTemplates.PublicBaseUrl(settings);
        var options = new DhcpServerOptions
        {
            Mode = settings.Dhcp.Mode == DhcpMode.Proxy ? DhcpServerMode.Proxy : DhcpServerMode.Authoritative,
            Interfaces = settings.Dhcp.Interfaces.Select(name => new DhcpInterfaceOptions { Name = name, Address = InterfaceAddress(name) }).ToArray(),
            DefaultServerAddress = BootUrls.HostAddress(baseUrl),
            RouterAdvertisement = settings.Dhcp.RouterAdvertisements,
            // The doctor's search for other DHCP servers must get no offer, no lease and no enlistment from us.
            IgnoredClients = [ForeignDhcpDiagnosticCheck.ProbeMac],
        };
        var architectureTable = new DefaultBootPolicy(new DefaultBootPolicyOptions
        {
            IpxeScriptUrl = BootUrls.IpxeScriptPattern(baseUrl) + "?arch={arch}",
            HttpBootUrl = BootUrls.HttpBootPattern(baseUrl),
        }, sp.GetRequiredService<TimeProvider>());
        var channels = DhcpChannels.Open(options, settings.Dhcp.Port);
        var listeners = sp.GetRequiredService<ListenerRegistry>();
        try
        {
            foreach (var c in channels)
            {
                listeners.Opened("dhcp", c.InterfaceName, c.LocalEndPoint);
            }

            var server = new DhcpServer(options, channels,
                new InventoryScopeSource(sp.GetRequiredService<InventorySnapshotCache>()),
                new NodeDhcpBootPolicy(sp.GetRequiredService<InventorySnapshotCache>(), architectureTable, sp.GetRequiredService<IEnlistmentQueue>()),
                new StoreLeaseJournal(sp.GetRequiredService<ILeaseRepository>(), sp.GetRequiredService<TimeProvider>()),
                new TimelineDhcpObserver(sp.GetRequiredService<BootTimeline>(), sp.GetRequiredService<ClientAddressBook>()),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DhcpServer>>());
            var run = server.RunAsync(ct);
            // iPXE waits ~16 s for an IPv6 router on a segment without one: answer its solicitations with lifetime 0.
            var advertisers = settings.Dhcp.RouterAdvertisements
                ? settings.Dhcp.Interfaces.Select(name => RunRouterAdvertisementsAsync(name, sp.GetRequiredService<ILogger<RouterAdvertisementResponder>>(), ct)).ToArray()
                : [];
            readiness.MarkReady("dhcp");
            await run.ConfigureAwait(false);
            await Task.WhenAll(advertisers).ConfigureAwait(false);
        }
        finally
        {
            listeners.Closed("dhcp");
            foreach (var c in channels)
            {
                await c.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task RunRouterAdvertisementsAsync(string interfaceName, ILogger logger, CancellationToken ct)
    {
        try
        {
            await using var responder = RouterAdvertisementResponder.Open(interfaceName, logger);
            await responder.RunAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without it iPXE only boots slower; never take DHCP down for it.
            logger.LogWarning("Router advertisements on {Interface} are off: {Error}", interfaceName, e.Message);
        }
    }

    private static async Task RunTftpAsync(IServiceProvider sp, ApplianceSettings settings, CancellationToken ct)
    {
        var readiness = sp.GetRequiredService<ApplianceReadiness>();
        readiness.Expect("tftp", "opening the TFTP socket");
        var address = IPAddress.Parse(settings.Tftp.Address);
        await using var listener = new UdpDatagramChannel(new UdpChannelSettings
        {
            Bind = new IPEndPoint(address, settings.Tftp.Port),
            ReceiveBufferSize = 1024 * 1024,
        });
        var files = new DirectoryFileSource(new DirectoryFileSourceOptions { Root = Path.GetFullPath(settings.Paths.Pxe) });
        var server = new TftpServer(new TftpServerOptions(), listener,
            // 1 MiB send buffer: a window of 64 blocks of 1468 bytes must not overflow it (the bench's settings too).
            local => new UdpTransferChannel(local, sendBufferSize: 1 << 20),
            files,
            new TimelineTftpObserver(sp.GetRequiredService<BootTimeline>(), sp.GetRequiredService<ClientAddressBook>()),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TftpServer>>());
        var run = server.RunAsync(ct);
        var listeners = sp.GetRequiredService<ListenerRegistry>();
        listeners.Opened("tftp", null, listener.LocalEndPoint);
        readiness.MarkReady("tftp");
        try
        {
            await run.ConfigureAwait(false);
        }
        finally
        {
            listeners.Closed("tftp");
        }
    }

    /// <summary>The first IPv4 address of an interface (validated at start-up to exist).</summary>
    private static IPAddress InterfaceAddress(string name)
    {
        var nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == name)
                  ?? throw new InvalidOperationException($"Dhcp:Interfaces: no interface named {name}");
        return nic.GetIPProperties().UnicastAddresses.Select(a => a.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
               ?? throw new InvalidOperationException($"Dhcp:Interfaces: interface {name} has no IPv4 address to serve DHCP from");
    }
}
