using System.Net;
using System.Net.Http.Json;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Appliance.Tests.Templates;

/// <summary>Profiles through the REST API of the real appliance (SQLite store, seeded defaults).</summary>
[Trait("Area", "Templates")]
public sealed class ProfileApiOnRealStoreTests
{
    [Fact]
    public async Task Profiles_SeededThenEditedAndValidated_OnRealStore()
    {
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string> { ["Paths:Templates"] = RepoPaths.Of("templates") });
        using var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl);
        await api.SetupAdminAsync();

        // The defaults are seeded on first start.
        var testOs = await api.GetAsync("api/v1/profiles/test-os");
        Assert.Equal("cloud-init/user-data-test.sh", testOs["templates"]!["user-data"]!.GetValue<string>());

        var put = await api.PutAsync("api/v1/profiles/web", new
        {
            description = "web servers",
            installMethod = "image",
            templates = new Dictionary<string, string> { ["user-data"] = "cloud-init/user-data-chef" },
            variables = new Dictionary<string, string> { ["chef_run_list"] = "role[web]" },
        });
        Assert.Equal("role[web]", put["variables"]!["chef_run_list"]!.GetValue<string>());
        var list = (await api.GetAsync("api/v1/profiles")).AsArray().Select(p => p!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("web", list);
        Assert.Contains("kubeadm", list);

        // A profile naming a template that does not exist is refused, naming the field.
        using var bad = await api.Http.PutAsJsonAsync("api/v1/profiles/broken", new
        {
            installMethod = "floppy",
            templates = new Dictionary<string, string> { ["user-data"] = "cloud-init/nope" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("templates.user-data", problem, StringComparison.Ordinal);
        Assert.Contains("installMethod", problem, StringComparison.Ordinal);

        using var deleted = await api.Http.DeleteAsync("api/v1/profiles/web");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await api.Http.GetAsync("api/v1/profiles/web");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
