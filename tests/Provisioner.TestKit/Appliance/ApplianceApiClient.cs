using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Provisioner.TestKit.Appliance;

/// <summary>A thin JSON client of the appliance's REST API for tests: sets up the first admin and signs in with a token.</summary>
public sealed class ApplianceApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ApplianceApiClient(HttpClient http, string baseUrl)
    {
        _http = http;
        _http.BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/");
    }

    public HttpClient Http => _http;

    /// <summary>Creates the first admin (fresh appliance) and uses an API token of it from then on.</summary>
    public async Task SetupAdminAsync(string name = "admin", string password = "correct-horse-battery-staple")
    {
        using (var setup = await _http.PostAsJsonAsync("api/v1/setup", new { name, password }))
        {
            await EnsureAsync(setup);
        }

        await LoginAsync(name, password);
    }

    /// <summary>Signs in as an existing user (an appliance sharing the database, or a restart) and uses an API token from then on.</summary>
    public async Task LoginAsync(string name = "admin", string password = "correct-horse-battery-staple")
    {
        using var login = await _http.PostAsJsonAsync("api/v1/auth/login", new { name, password, tokenName = "tests-" + Guid.NewGuid().ToString("N")[..8] });
        var body = await EnsureAsync(login);
        var secret = body["secret"]!.GetValue<string>();
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
    }

    public async Task<JsonNode> GetAsync(string path)
    {
        using var r = await _http.GetAsync(path.TrimStart('/'));
        return await EnsureAsync(r);
    }

    public async Task<JsonNode> PostAsync(string path, object body)
    {
        using var r = await _http.PostAsJsonAsync(path.TrimStart('/'), body);
        return await EnsureAsync(r);
    }

    public async Task<JsonNode> PutAsync(string path, object body)
    {
        using var r = await _http.PutAsJsonAsync(path.TrimStart('/'), body);
        return await EnsureAsync(r);
    }

    private static async Task<JsonNode> EnsureAsync(HttpResponseMessage r)
    {
        var text = await r.Content.ReadAsStringAsync();
        if (!r.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{r.RequestMessage?.Method} {r.RequestMessage?.RequestUri} -> {(int)r.StatusCode}: {text}");
        }

        return string.IsNullOrWhiteSpace(text) ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
    }

    /// <summary>Creates a zone and an L2 BPOD on <paramref name="subnet"/> (e.g. "10.9.0"), returning the BPOD id.</summary>
    public async Task<string> CreateBpodAsync(string zone, string bpod, string subnet)
    {
        var z = await PostAsync("api/v1/zones", new { name = zone });
        var b = await PostAsync("api/v1/bpods", new
        {
            zoneId = z["id"]!.GetValue<string>(),
            name = bpod,
            networkType = "l2",
            provisioningSubnet = subnet + ".0/24",
            dynamicRangeStart = subnet + ".100",
            dynamicRangeEnd = subnet + ".150",
        });
        return b["id"]!.GetValue<string>();
    }

    /// <summary>Registers a node whose BMC is an IPMI endpoint (cipher suite 3, which ipmi_sim speaks).</summary>
    public Task<JsonNode> CreateIpmiNodeAsync(string bpodId, string hostname, string mac, System.Net.IPEndPoint bmc, string user, string password, int? slot = null) =>
        PostAsync("api/v1/nodes", new
        {
            hostname,
            bpodId,
            slot,
            interfaces = new[] { new { mac, isPxe = true } },
            bmc = new
            {
                driver = "ipmi",
                address = bmc.Address.ToString(),
                port = bmc.Port,
                username = user,
                secret = password,
                options = new Dictionary<string, string> { ["cipher_suite"] = "3" },
            },
        });

    /// <summary>Registers a node powered by hand (BMC driver "manual"): the appliance asks an operator, who reads <paramref name="instructions"/>.</summary>
    public Task<JsonNode> CreateManualNodeAsync(string bpodId, string hostname, string mac, string instructions) =>
        PostAsync("api/v1/nodes", new
        {
            hostname,
            bpodId,
            interfaces = new[] { new { mac, isPxe = true } },
            bmc = new { driver = "manual", options = new Dictionary<string, string> { ["instructions"] = instructions } },
        });

    /// <summary>Polls <paramref name="path"/> until <paramref name="done"/> holds for its JSON, or fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonNode> WaitForAsync(string path, Func<JsonNode, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var body = await GetAsync(path);
            if (done(body))
            {
                return body;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"GET {path} did not reach the expected state within {timeout.TotalSeconds} s; last answer:\n{Show(body)}");
            }

            await Task.Delay(200);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Pretty JSON for failure messages.</summary>
    public static string Show(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
