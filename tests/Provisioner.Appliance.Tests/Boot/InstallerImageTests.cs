using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Tests.Api;
using Provisioner.TestKit;

namespace Provisioner.Appliance.Tests.Boot;

/// <summary>
/// The image an installer downloads during a deploy (templates' <c>image.url</c>): served with Range to the node's
/// boot token, only its own image, only while it deploys; nothing under the images directory is anonymous.
/// </summary>
[Trait("Area", "Boot")]
[Trait("Peer", "curl")]
public sealed partial class InstallerImageTests(ImageImportFixture fixture) : IClassFixture<ImageImportFixture>
{
    [Fact]
    public async Task DeployingNode_ItsTokenOpensItsImageOnly_WithRange_AndOnlyWhileDeploying()
    {
        var api = fixture.Api;
        var image = RandomNumberGenerator.GetBytes(300_000);
        await UploadAsync("inst-os", image);
        await UploadAsync("inst-other", RandomNumberGenerator.GetBytes(1000));
        var (id, script) = await KickstartDeploy.StartAsync(fixture, "ii", "52:54:00:6c:00:01", "inst-os", "127.0.0.160", "127.0.0.199");

        using var anonymous = new HttpClient();
        var token = Token().Match(script);
        Assert.True(token.Success, script);
        var own = new Uri($"{fixture.Appliance.BaseUrl}/boot/images/{token.Groups[1].Value}/inst-os.img");

        Assert.Equal(image, await anonymous.GetByteArrayAsync(own));
        // curl as an installer's downloader resumes one: a range of the image.
        var part = Path.Combine(fixture.ImagesDirectory, "..", Path.GetFileName(fixture.ImagesDirectory) + "-part.bin");
        try
        {
            var (rc, code, err) = await PeerProcess.RunAsync(Peers.Require("curl"), ["-sS", "-o", part, "-w", "%{http_code}", "-r", "1000-1999", own.ToString()],
                TimeSpan.FromSeconds(30));
            Assert.True(rc == 0, err);
            Assert.Equal("206", code.Trim());
            Assert.Equal(image[1000..2000], await File.ReadAllBytesAsync(part));
        }
        finally
        {
            File.Delete(part);
        }

        // Another image, another token, and the anonymous path images were once served on.
        var other = await anonymous.GetAsync(new Uri(own.ToString().Replace("inst-os.img", "inst-other.img", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("only the image it is deployed with (inst-os)", await other.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var altered = own.ToString().Replace($"/{token.Groups[1].Value}/", $"/{token.Groups[1].Value[..^2]}xx/", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(new Uri(altered))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(new Uri($"{fixture.Appliance.BaseUrl}/images/inst-os.img"))).StatusCode);
        var timeline = (await api.GetAsync($"api/v1/nodes/{id}/timeline")).ToJsonString();
        Assert.Contains("inst-os.img of inst-os for ii-01", timeline, StringComparison.Ordinal);

        await api.PostAsync($"api/v1/nodes/{id}/actions/abort", new { reason = "installer hung" });
        var after = await anonymous.GetAsync(own);
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        Assert.Contains("only during its deploy", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("os.img", "os.img", true)]
    [InlineData("/os.img", "os.img", true)]
    [InlineData("os.img", "other.img", false)]
    [InlineData("os/index.json", "os/index.json", true)]
    [InlineData("os/index.json", "os/image.chunks", true)]
    [InlineData("os/index.json", "os/../other.img", false)]
    [InlineData("os/index.json", "other/image.chunks", false)]
    [InlineData("dir/os.img", "dir/other.img", false)]
    public void Covers_TheImagesFileOrItsChunkedDirectoryOnly(string location, string path, bool covered)
        => Assert.Equal(covered, NodeImageAccess.Covers(location, path));

    private async Task UploadAsync(string name, byte[] raw)
    {
        using var content = new ByteArrayContent(raw);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await fixture.Api.Http.PutAsync($"api/v1/images/{name}/content?sha256={Convert.ToHexStringLower(SHA256.HashData(raw))}", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    [GeneratedRegex(@"inst\.ks=\S+/boot/config/([^/\s]+)/kickstart")]
    private static partial Regex Token();
}
