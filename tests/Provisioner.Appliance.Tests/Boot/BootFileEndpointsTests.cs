using System.Security.Cryptography;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Appliance.Tests.Boot;

/// <summary>Boot files over HTTP, checked with curl as the real client.</summary>
[Trait("Area", "HttpBoot")]
[Trait("Peer", "curl")]
public sealed class BootFileEndpointsTests : IAsyncLifetime
{
    private string _root = null!;
    private string _outside = null!;
    private ApplianceProcess _appliance = null!;
    private byte[] _kernel = null!;

    public async Task InitializeAsync()
    {
        _root = Directory.CreateTempSubdirectory("provisioner-live-").FullName;
        _outside = Directory.CreateTempSubdirectory("provisioner-outside-").FullName;
        _kernel = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await File.WriteAllBytesAsync(Path.Combine(_root, "vmlinuz"), _kernel);
        await File.WriteAllTextAsync(Path.Combine(_outside, "secret.txt"), "not for nodes");
        File.CreateSymbolicLink(Path.Combine(_root, "escape"), Path.Combine(_outside, "secret.txt"));
        _appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string> { ["Paths:LiveImage"] = _root });
    }

    public async Task DisposeAsync()
    {
        await _appliance.DisposeAsync();
        Directory.Delete(_root, true);
        Directory.Delete(_outside, true);
    }

    [Fact]
    public async Task Get_LiveKernel_WholeFileMatches()
    {
        var output = Path.Combine(_root, "downloaded");
        var (rc, _, err) = await Curl("-fsS", "-o", output, $"{_appliance.BaseUrl}/boot/live/vmlinuz");
        Assert.True(rc == 0, err);
        Assert.Equal(SHA256.HashData(_kernel), SHA256.HashData(await File.ReadAllBytesAsync(output)));
    }

    [Fact]
    public async Task Get_WithRange_ReturnsExactlyThatSlice()
    {
        var output = Path.Combine(_root, "slice");
        var (rc, stdout, err) = await Curl("-fsS", "-r", "1048576-2097151", "-o", output, "-w", "%{http_code}", $"{_appliance.BaseUrl}/boot/live/vmlinuz");
        Assert.True(rc == 0, err);
        Assert.Equal("206", stdout.Trim());
        Assert.Equal(_kernel.AsSpan(1048576, 1048576).ToArray(), await File.ReadAllBytesAsync(output));
    }

    [Fact]
    public async Task Get_WithMatchingETag_Answers304()
    {
        var (_, headers, _) = await Curl("-fsS", "-D", "-", "-o", "/dev/null", $"{_appliance.BaseUrl}/boot/live/vmlinuz");
        var etag = headers.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("ETag:", StringComparison.OrdinalIgnoreCase))[5..].Trim();

        var (rc, code, _) = await Curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", $"If-None-Match: {etag}", $"{_appliance.BaseUrl}/boot/live/vmlinuz");
        Assert.Equal(0, rc);
        Assert.Equal("304", code.Trim());
    }

    [Theory]
    [InlineData("/boot/live/../../etc/passwd", "404")]
    [InlineData("/boot/live/%2e%2e/%2e%2e/etc/passwd", "404")]
    [InlineData("/boot/live/escape", "404")]
    [InlineData("/boot/live/no-such-file", "404")]
    [InlineData("/boot/live/vmlinuz%00.txt", "400")] // Kestrel itself refuses a NUL in the path
    public async Task Get_PathOutsideRootOrMissing_Refused(string path, string expected)
    {
        var (rc, code, _) = await Curl("-sS", "--path-as-is", "-o", "/dev/null", "-w", "%{http_code}", _appliance.BaseUrl + path);
        Assert.Equal(0, rc);
        Assert.Equal(expected, code.Trim());
    }

    private static Task<(int, string, string)> Curl(params string[] args) =>
        PeerProcess.RunAsync(Peers.Require("curl"), args, TimeSpan.FromSeconds(30));
}
