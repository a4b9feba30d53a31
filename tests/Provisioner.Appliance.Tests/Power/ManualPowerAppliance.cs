using System.Text.Json.Nodes;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Appliance.Tests.Power;

/// <summary>
/// The real appliance (its own process, SQLite store, job engine) with one BPOD, an admin, an operator and a viewer, for
/// the manual power tests. Each test adds its own manual node, so tests sharing one appliance never see each other's requests.
/// </summary>
public sealed class ManualPowerAppliance : IAsyncLifetime
{
    public const string Password = "correct-horse-battery-staple";

    private int _nodes;

    public ApplianceProcess Process { get; private set; } = null!;

    public ApplianceApiClient Admin { get; private set; } = null!;

    public ApplianceApiClient Operator { get; private set; } = null!;

    public ApplianceApiClient Viewer { get; private set; } = null!;

    public string BpodId { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Process = await ApplianceProcess.StartAsync();
        Admin = new ApplianceApiClient(new HttpClient(), Process.BaseUrl);
        await Admin.SetupAdminAsync("admin", Password);
        await Admin.PostAsync("api/v1/users", new { name = "oscar", password = Password, role = "operator" });
        await Admin.PostAsync("api/v1/users", new { name = "victor", password = Password, role = "viewer" });
        Operator = new ApplianceApiClient(new HttpClient(), Process.BaseUrl);
        await Operator.LoginAsync("oscar", Password);
        Viewer = new ApplianceApiClient(new HttpClient(), Process.BaseUrl);
        await Viewer.LoginAsync("victor", Password);
        BpodId = await Admin.CreateBpodAsync("manual", "m01", "10.31.0");
    }

    /// <summary>A new node with manual power and instructions for whoever stands at the rack; returns its hostname and id.</summary>
    public async Task<(string Hostname, string Id)> ManualNodeAsync(string instructions)
    {
        var n = Interlocked.Increment(ref _nodes);
        var hostname = $"manual-{n:00}";
        var node = await Admin.CreateManualNodeAsync(BpodId, hostname, $"52:54:00:31:00:{n:x2}", instructions);
        return (hostname, node["id"]!.GetValue<string>());
    }

    /// <summary>
    /// Asks the appliance to power the node (a job), waits until the request to the operator is stored and the job has
    /// ended (so the node takes the next job at once), and returns the job id and the request.
    /// </summary>
    public async Task<(string JobId, JsonNode Request)> PowerAndWaitForRequestAsync(string hostname, string operation)
    {
        var job = await Operator.PostAsync($"api/v1/nodes/{hostname}/power/{operation}", new { });
        var jobId = job["id"]!.GetValue<string>();
        var page = await Admin.WaitForAsync($"api/v1/power-requests?status=pending&node={hostname}",
            p => p["items"]!.AsArray().Any(r => r!["jobId"]?.GetValue<string>() == jobId), TimeSpan.FromSeconds(30));
        await Admin.WaitForAsync($"api/v1/jobs/{jobId}", j => j["state"]!.GetValue<string>() is "succeeded" or "failed" or "cancelled", TimeSpan.FromSeconds(30));
        return (jobId, page["items"]!.AsArray().First(r => r!["jobId"]?.GetValue<string>() == jobId)!);
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        Operator.Dispose();
        Viewer.Dispose();
        await Process.DisposeAsync();
    }
}
