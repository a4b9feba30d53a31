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

    public void Dispose() => _http.Dispose();

    /// <summary>Pretty JSON for failure messages.</summary>
    public static string Show(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
