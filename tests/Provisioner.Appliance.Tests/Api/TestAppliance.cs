using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Dashboard;
using Provisioner.Appliance.Identity;
using Provisioner.Appliance.Services;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;
using Provisioner.TestKit.InMemory;

namespace Provisioner.Appliance.Tests.Api;

/// <summary>
/// The appliance's web surface (API, identity, dashboard) on a real Kestrel listener on 127.0.0.1 with a free port,
/// over in-memory repositories and a fake job service whose jobs progress by themselves.
/// </summary>
public sealed class TestAppliance : IAsyncDisposable
{
    /// <summary>Password hash computed once: creating users with the real hasher in every test would cost ~0.2 s each.</summary>
    private static readonly Lazy<(string Password, string Hash)> SharedPassword = new(() =>
    {
        const string password = "correct horse battery staple";
        return (password, PasswordHasher.Hash(password));
    });

    private readonly WebApplication _app;
    private int _seeded;
    private readonly string _imagesDir;

    private TestAppliance(WebApplication app, InMemoryStore store, FakeJobService jobs, Uri baseAddress, string imagesDir)
    {
        _app = app;
        Store = store;
        Jobs = jobs;
        BaseAddress = baseAddress;
        _imagesDir = imagesDir;
    }

    public InMemoryStore Store { get; }

    public FakeJobService Jobs { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static string Password => SharedPassword.Value.Password;

    public static async Task<TestAppliance> StartAsync(TimeSpan? jobTick = null)
    {
        var store = new InMemoryStore();
        var jobs = new FakeJobService(TimeProvider.System, jobTick ?? TimeSpan.FromMilliseconds(150));
        var imagesDir = Directory.CreateTempSubdirectory("provisioner-images-").FullName;
        var source = SourceRoot();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Testing",
            ContentRootPath = Path.Combine(source, "src", "Provisioner.Appliance"),
            WebRootPath = Path.Combine(source, "src", "Provisioner.Appliance", "wwwroot"),
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddInMemoryProvisionerStore(store);
        builder.Services.AddFakeJobService(jobs);
        builder.Services.AddProvisionerIdentity();
        builder.Services.AddProvisionerApi();
        builder.Services.AddOperatorRequests();
        builder.Services.AddProvisionerDashboard();
        builder.Services.AddSingleton<ITemplatePreviewer, FakeTemplatePreviewer>();
        builder.Services.Configure<ApiOptions>(o => o.ImagesDirectory = imagesDir);

        var app = builder.Build();
        app.UseProvisionerAuthentication();
        app.MapProvisionerApi();
        app.MapProvisionerDashboard();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var appliance = new TestAppliance(app, store, jobs, new Uri(address), imagesDir);
        var hub = app.Services.GetRequiredService<NodeEventHub>();
        jobs.Finished = job => appliance.CompleteNodeAsync(job, hub);
        return appliance;
    }

    /// <summary>Moves the job's node as the real workflows do when they end.</summary>
    private async Task CompleteNodeAsync(JobRecord job, NodeEventHub hub)
    {
        if (job.NodeId is not { } id || await Store.Nodes.GetAsync(id, default) is not { } node)
        {
            return;
        }

        NodeAction? outcome = (job.Kind, job.State) switch
        {
            ("deploy", JobState.Succeeded) => NodeAction.DeploySucceeded,
            ("deploy", JobState.Failed) => NodeAction.DeployFailed,
            ("commission", JobState.Succeeded) => NodeAction.CommissioningSucceeded,
            ("commission", JobState.Failed) => NodeAction.CommissioningFailed,
            ("release", JobState.Succeeded) => NodeAction.ReleaseSucceeded,
            ("release", JobState.Failed) => NodeAction.ReleaseFailed,
            _ => null,
        };
        var power = job.Kind switch
        {
            "power-on" or "power-cycle" or "deploy" => NodePowerState.On,
            "power-off" or "release" or "commission" => NodePowerState.Off,
            _ => node.PowerState,
        };
        if (job.State != JobState.Succeeded && outcome is null)
        {
            return;
        }

        var next = outcome is { } a && NodeLifecycle.TryNext(node.State, a, out _) ? node.WithTransition(a, job.Error) : node;
        var saved = await Store.Nodes.UpdateAsync(next with { PowerState = job.State == JobState.Succeeded ? power : node.PowerState }, default);
        hub.Publish(NodeChange.From(saved, DateTimeOffset.UtcNow));
    }

    public HttpClient Client(string? token = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Adds a user (password <see cref="Password"/>) and an API token for it, straight into the store.</summary>
    public async Task<string> TokenForAsync(UserRole role, string? name = null)
    {
        name ??= role.ToString().ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..6];
        var user = await Store.Users.FindByNameAsync(name, default);
        if (user is null)
        {
            user = new User { Id = Guid.NewGuid(), Name = name, PasswordHash = SharedPassword.Value.Hash, Role = role, CreatedAt = DateTimeOffset.UtcNow };
            await Store.Users.AddAsync(user, default);
        }

        var token = ApiTokenCodec.NewToken();
        await Store.Users.AddTokenAsync(new ApiToken
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            Name = "test",
            TokenHash = ApiTokenCodec.HashOf(token),
            CreatedAt = DateTimeOffset.UtcNow,
        }, default);
        return token;
    }

    /// <summary>A zone "dc1" with BPOD "r01" and <paramref name="nodes"/> nodes (fake BMC, slots 1..n, MACs 52:54:00:00:xx:yy).</summary>
    public async Task<(Zone Zone, Bpod Bpod, IReadOnlyList<Node> Nodes)> SeedAsync(int nodes = 3, string zoneName = "dc1", string bpodName = "r01",
        NodeState state = NodeState.Ready, string? image = "ubuntu-24.04")
    {
        var zone = await Store.Zones.FindByNameAsync(zoneName, default);
        if (zone is null)
        {
            zone = new Zone { Id = Guid.NewGuid(), Name = zoneName, CreatedAt = DateTimeOffset.UtcNow };
            await Store.Zones.AddAsync(zone, default);
        }

        var bpod = new Bpod
        {
            Id = Guid.NewGuid(),
            ZoneId = zone.Id,
            Name = bpodName,
            ProvisioningSubnet = Ipv4Network.Parse("10.77.0.0/24"),
            DynamicRangeStart = IPAddress.Parse("10.77.0.100"),
            DynamicRangeEnd = IPAddress.Parse("10.77.0.200"),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await Store.Bpods.AddAsync(bpod, default);
        if (image is not null && await Store.Images.FindByNameAsync(image, default) is null)
        {
            await Store.Images.AddAsync(new Image
            {
                Id = Guid.NewGuid(),
                Name = image,
                Format = ImageFormat.Raw,
                Sha256 = new string('a', 64),
                Location = image + ".img",
                SizeBytes = 4L << 30,
            }, default);
        }

        var list = new List<Node>();
        var prefix = Interlocked.Increment(ref _seeded);
        for (var i = 1; i <= nodes; i++)
        {
            list.Add(await Store.Nodes.AddAsync(new Node
            {
                Id = Guid.NewGuid(),
                Hostname = $"{zoneName}-{bpodName}-{i:00}",
                BpodId = bpod.Id,
                Slot = i,
                State = state,
                PowerState = NodePowerState.Off,
                AssignedIp = IPAddress.Parse($"10.77.0.{10 + i}"),
                Interfaces = [new NodeInterface(MacAddress.FromBytes([0x52, 0x54, (byte)(prefix >> 8), (byte)prefix, (byte)(i >> 8), (byte)i]), "eno1", true)],
                Bmc = new BmcSettings { Driver = "fake", Address = $"10.78.0.{10 + i}", Username = "admin", Secret = "bmc-secret-" + i },
                HardwareFactsJson = $$"""{"serial":"SN{{prefix:000}}{{i:0000}}","cpu":{"model":"EPYC 7302","cores":16},"memoryMiB":131072}""",
            }, default));
        }

        return (zone, bpod, list);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Jobs.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(_imagesDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The repository root (where Provisioner.sln is), found from the test binaries.</summary>
    public static string SourceRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provisioner.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Provisioner.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Stands in for the template engine: {{name}} placeholders from the node; an unclosed "{{" is an error.</summary>
public sealed class FakeTemplatePreviewer(INodeRepository nodes) : ITemplatePreviewer
{
    public Task<TemplateCheck> ValidateAsync(string name, string kind, string content, CancellationToken cancellationToken)
    {
        var issues = new List<TemplateIssue>();
        var lines = content.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Split("{{").Length != lines[i].Split("}}").Length)
            {
                issues.Add(new TemplateIssue("error", "Unclosed '{{' expression.", i + 1, lines[i].IndexOf("{{", StringComparison.Ordinal) + 1));
            }
        }

        return Task.FromResult(new TemplateCheck(issues.Count == 0, issues));
    }

    public async Task<TemplatePreview> PreviewAsync(string name, string kind, string content, Guid nodeId, CancellationToken cancellationToken)
    {
        var check = await ValidateAsync(name, kind, content, cancellationToken);
        var node = await nodes.GetAsync(nodeId, cancellationToken);
        var rendered = content
            .Replace("{{hostname}}", node?.Hostname ?? "", StringComparison.Ordinal)
            .Replace("{{mac}}", node?.PxeInterface?.Mac.ToString() ?? "", StringComparison.Ordinal)
            .Replace("{{ip}}", node?.AssignedIp?.ToString() ?? "", StringComparison.Ordinal);
        return new TemplatePreview(rendered, check.Issues);
    }
}
