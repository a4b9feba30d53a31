using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Provisioner.Appliance.Tests.Api;

namespace Provisioner.Appliance.Tests.Boot;

/// <summary>
/// The answer file a distribution installer fetches during a deploy: the URL in the node's installer iPXE script
/// serves its rendered kickstart, to that boot token only, and only while the node is deploying.
/// </summary>
[Trait("Area", "Boot")]
public sealed partial class InstallerConfigTests(ImageImportFixture fixture) : IClassFixture<ImageImportFixture>
{
    [Fact]
    public async Task KickstartProfile_InstallerScriptUrl_ServesTheNodesKickstart_OnlyToItsTokenWhileDeploying()
    {
        var api = fixture.Api;
        var zone = await api.PostAsync("api/v1/zones", new { name = "ks" });
        var bpod = await api.PostAsync("api/v1/bpods", new
        {
            zoneId = zone["id"]!.GetValue<string>(),
            name = "r1",
            networkType = "l2",
            provisioningSubnet = "127.0.0.0/8",
            dynamicRangeStart = "127.0.0.100",
            dynamicRangeEnd = "127.0.0.150",
        });
        await api.PutAsync("api/v1/profiles/rocky-ks", new
        {
            installMethod = "kickstart",
            templates = new Dictionary<string, string>(),
            variables = new Dictionary<string, string>
            {
                ["installer_kernel_url"] = "http://mirror.example/rocky/vmlinuz",
                ["installer_initrd_url"] = "http://mirror.example/rocky/initrd.img",
            },
        });
        await api.PostAsync("api/v1/images", new { name = "ks-unused", format = "raw", sha256 = new string('b', 64), location = "http://mirror.example/x.img", sizeBytes = 1 });
        const string mac = "52:54:00:6b:00:01";
        var node = await api.PostAsync("api/v1/nodes", new
        {
            hostname = "ks-01",
            bpodId = bpod["id"]!.GetValue<string>(),
            interfaces = new[] { new { mac, isPxe = true } },
        });
        var id = node["id"]!.GetValue<string>();
        await api.PostAsync($"api/v1/nodes/{id}/actions/mark-broken", new { reason = "bench spare" });
        await api.PostAsync($"api/v1/nodes/{id}/actions/mark-fixed", new { });
        await api.PostAsync($"api/v1/nodes/{id}/actions/deploy", new { image = "ks-unused", profile = "rocky-ks" });

        using var anonymous = new HttpClient();
        var script = await anonymous.GetStringAsync(new Uri($"{fixture.Appliance.BaseUrl}/boot/{mac}.ipxe"));
        var ks = KickstartUrl().Match(script);
        Assert.True(ks.Success, script);
        var url = ks.Groups[1].Value;

        using var served = await anonymous.GetAsync(new Uri(url));
        var text = await served.Content.ReadAsStringAsync();
        Assert.True(served.StatusCode == HttpStatusCode.OK, text);
        Assert.StartsWith("# Kickstart for Rocky Linux / RHEL 9: ks-01", text, StringComparison.Ordinal);
        Assert.Contains("52:54:00:6b:00:01", text, StringComparison.Ordinal);

        // Another token (altered), an unknown file, and the same token once the node has stopped deploying.
        var altered = Regex.Replace(url, @"/config/([^/]+)/", m => $"/config/{m.Groups[1].Value[..^2]}xx/");
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(new Uri(altered))).StatusCode);
        var unknown = await anonymous.GetAsync(new Uri(url[..url.LastIndexOf('/')] + "/shadow"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("ks-01", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await api.PostAsync($"api/v1/nodes/{id}/actions/abort", new { reason = "installer hung" });
        var after = await anonymous.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        Assert.Contains("only during its deploy", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"inst\.ks=(\S+)")]
    private static partial Regex KickstartUrl();
}
