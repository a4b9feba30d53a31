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
        await api.PostAsync("api/v1/images", new { name = "ks-unused", format = "raw", sha256 = new string('b', 64), location = "http://mirror.example/x.img", sizeBytes = 1 });
        var (id, script) = await KickstartDeploy.StartAsync(fixture, "ks", "52:54:00:6b:00:01", "ks-unused", "127.0.0.100", "127.0.0.150");

        using var anonymous = new HttpClient();
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
