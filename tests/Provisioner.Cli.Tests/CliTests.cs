using System.Text.Json;
using Provisioner.Appliance.Tests.Api;
using Provisioner.Cli;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;

namespace Provisioner.Cli.Tests;

/// <summary>One running appliance (Kestrel on 127.0.0.1, free port) shared by the CLI tests.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public TestAppliance App { get; private set; } = null!;

    public async Task InitializeAsync() => App = await TestAppliance.StartAsync(TimeSpan.FromMilliseconds(100));

    public async Task DisposeAsync() => await App.DisposeAsync();
}

[Trait("Area", "Cli")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CliTests(CliFixture fixture) : IClassFixture<CliFixture>, IDisposable
{
    private readonly CliRunner _cli = new();

    private string ConfigPath => _cli.ConfigPath;

    private Task<(int Code, string Out, string Err)> RunWithInputAsync(string stdin, params string[] args) => _cli.RunWithInputAsync(stdin, args);

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => _cli.RunAsync(args);

    private async Task LoginAsync(UserRole role = UserRole.Admin, string user = "cli-admin")
    {
        await fixture.App.TokenForAsync(role, user);
        await _cli.LoginAsync(fixture.App.BaseAddress.ToString(), user, TestAppliance.Password);
    }

    [Fact]
    public async Task Login_StoresUrlAndTokenWithMode0600()
    {
        await LoginAsync();
        Assert.False(OperatingSystem.IsWindows());
        var mode = File.GetUnixFileMode(ConfigPath);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        var config = JsonDocument.Parse(await File.ReadAllTextAsync(ConfigPath)).RootElement;
        Assert.StartsWith("prv_", config.GetProperty("token").GetString(), StringComparison.Ordinal);
        var (code, output, _) = await RunAsync("whoami", "--output", "json");
        Assert.Equal(0, code);
        Assert.Equal("admin", JsonDocument.Parse(output).RootElement.GetProperty("role").GetString());
    }

    [Fact]
    public async Task WrongPassword_ExitsWithAuthCode()
    {
        await fixture.App.TokenForAsync(UserRole.Viewer, "cli-wrong");
        var (code, _, err) = await RunWithInputAsync("nope nope nope\n", "login", "--url", fixture.App.BaseAddress.ToString(), "--user", "cli-wrong", "--password-stdin");
        Assert.Equal(ExitCodes.Auth, code);
        Assert.Contains("Sign-in failed", err, StringComparison.Ordinal);
        Assert.False(File.Exists(ConfigPath));
    }

    [Fact]
    public async Task NotLoggedIn_ExitsWithAuthCode()
    {
        var (code, _, err) = await RunAsync("node", "list");
        Assert.Equal(ExitCodes.Auth, code);
        Assert.Contains("provisioner login", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageError_Exits2()
    {
        var (code, _, _) = await RunAsync("node", "power", "some-node", "sideways");
        Assert.Equal(ExitCodes.Usage, code);
        var (code2, _, _) = await RunAsync("frobnicate");
        Assert.Equal(ExitCodes.Usage, code2);
    }

    [Fact]
    public async Task ZoneBpodNode_CreateEnlistListShow()
    {
        await LoginAsync();
        Assert.Equal(0, (await RunAsync("zone", "create", "cli-zone")).Code);
        var bpod = await RunAsync("bpod", "create", "rack9", "--zone", "cli-zone", "--subnet", "10.99.0.0/24", "--range-start", "10.99.0.100",
            "--range-end", "10.99.0.199", "--gateway", "10.99.0.1");
        Assert.True(bpod.Code == 0, bpod.Err);
        var enlisted = await RunAsync("node", "enlist", "52:54:00:99:00:01", "--bpod", "cli-zone/rack9", "-o", "json");
        Assert.True(enlisted.Code == 0, enlisted.Err);
        Assert.Equal("cli-zone-rack9-01", JsonDocument.Parse(enlisted.Out).RootElement.GetProperty("hostname").GetString());

        var list = await RunAsync("node", "list", "--bpod", "rack9");
        Assert.Equal(0, list.Code);
        Assert.Contains("cli-zone-rack9-01", list.Out, StringComparison.Ordinal);
        Assert.StartsWith("HOSTNAME", list.Out, StringComparison.Ordinal);

        var missing = await RunAsync("node", "show", "no-such-node");
        Assert.Equal(ExitCodes.NotFound, missing.Code);
        var conflict = await RunAsync("node", "enlist", "52:54:00:99:00:01", "--bpod", "rack9");
        Assert.Equal(ExitCodes.Conflict, conflict.Code);
        var badSubnet = await RunAsync("bpod", "create", "rack10", "--zone", "cli-zone", "--subnet", "10.99.0.0/33", "--range-start", "x", "--range-end", "y");
        Assert.Equal(ExitCodes.Usage, badSubnet.Code);
        Assert.Contains("provisioningSubnet", badSubnet.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BpodNetwork_SetFromFileShowAndClear()
    {
        await LoginAsync();
        Assert.Equal(0, (await RunAsync("zone", "create", "cli-net")).Code);
        Assert.Equal(0, (await RunAsync("bpod", "create", "rack1", "--zone", "cli-net", "--subnet", "10.98.0.0/24", "--range-start", "10.98.0.100",
            "--range-end", "10.98.0.199", "--gateway", "10.98.0.1")).Code);
        var file = Path.Combine(Path.GetTempPath(), $"layout-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """
            { "bonds": [ { "name": "bond0", "mode": "802.3ad", "members": "non-pxe" } ],
              "vlans": [ { "id": 120, "name": "bond0.120", "link": "bond0", "subnet": "10.120.0.0/24", "addressing": "provisioning-host" } ] }
            """);
        try
        {
            var set = await RunAsync("bpod", "network", "cli-net/rack1", "--set", file);
            Assert.True(set.Code == 0, set.Err);
            var shown = await RunAsync("bpod", "network", "rack1");
            Assert.Equal(0, shown.Code);
            var network = JsonDocument.Parse(shown.Out).RootElement;
            Assert.Equal("bond0", network.GetProperty("bonds")[0].GetProperty("name").GetString());
            Assert.Equal(120, network.GetProperty("vlans")[0].GetProperty("id").GetInt32());

            await File.WriteAllTextAsync(file, """{ "vlans": [ { "id": 5000, "name": "v", "link": "bond9", "subnet": "10.1.0.0/24" } ] }""");
            var bad = await RunAsync("bpod", "network", "rack1", "--set", file);
            Assert.Equal(ExitCodes.Usage, bad.Code);
            Assert.Contains("network.vlans[0]", bad.Err, StringComparison.Ordinal);
            await File.WriteAllTextAsync(file, "{ not json");
            var broken = await RunAsync("bpod", "network", "rack1", "--set", file);
            Assert.Equal(ExitCodes.Usage, broken.Code);
            Assert.Contains("not valid JSON", broken.Err, StringComparison.Ordinal);

            var cleared = await RunAsync("bpod", "network", "rack1", "--clear");
            Assert.Equal(0, cleared.Code);
            Assert.Equal(0, JsonDocument.Parse(cleared.Out).RootElement.GetProperty("bonds").GetArrayLength());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task NodeDeploy_Wait_ShowsProgressAndEndsSucceeded()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "cli-deploy", bpodName: "r1");
        await LoginAsync(UserRole.Operator, "cli-operator");
        var (code, output, err) = await RunAsync("node", "deploy", nodes[0].Hostname, "--image", "ubuntu-24.04", "--wait");
        Assert.True(code == 0, err);
        Assert.Contains("100.0%", err, StringComparison.Ordinal);
        Assert.Contains("stream-image", err, StringComparison.Ordinal);
        Assert.Contains("deploy succeeded", output, StringComparison.Ordinal);
        Assert.Equal(NodeState.Deployed, (await fixture.App.Store.Nodes.GetAsync(nodes[0].Id, default))!.State);
    }

    [Fact]
    public async Task NodeCommission_Wait_FailedJobExits1_RetryResumes()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "cli-fail", bpodName: "r1", state: NodeState.New);
        await LoginAsync(UserRole.Operator, "cli-operator2");
        fixture.App.Jobs.FailNextAt("collect-facts");
        var (code, output, _) = await RunAsync("node", "commission", nodes[0].Hostname, "--wait");
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("failed", output, StringComparison.Ordinal);

        var jobs = await RunAsync("job", "list", "--node", nodes[0].Hostname, "--state", "failed", "-o", "json");
        var jobId = JsonDocument.Parse(jobs.Out).RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;
        var retry = await RunAsync("job", "retry", jobId, "--wait");
        Assert.True(retry.Code == 0, retry.Err);

        var invalid = await RunAsync("node", "deploy", nodes[0].Hostname, "--image", "ubuntu-24.04");
        Assert.Equal(ExitCodes.Conflict, invalid.Code);
        Assert.Contains("allowed now", invalid.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_CannotPower_ExitsAuth()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "cli-viewer", bpodName: "r1");
        await LoginAsync(UserRole.Viewer, "cli-viewer");
        var (code, _, err) = await RunAsync("node", "power", nodes[0].Hostname, "on");
        Assert.Equal(ExitCodes.Auth, code);
        Assert.Contains("operator", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImageUpload_VerifiesSha256()
    {
        await LoginAsync();
        var file = Path.Combine(_cli.Home, "disk.img");
        await File.WriteAllBytesAsync(file, Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray());
        var (code, _, err) = await RunAsync("image", "upload", "cli-disk", file);
        Assert.True(code == 0, err);
        var show = await RunAsync("image", "show", "cli-disk", "-o", "json");
        var image = JsonDocument.Parse(show.Out).RootElement;
        Assert.Equal(300_000, image.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync(file))), image.GetProperty("sha256").GetString());
    }

    /// <summary>A small disk image (data, zeros, data) and, when asked, its .zst made by Debian's zstd.</summary>
    private async Task<(string Raw, string Sha256)> DiskAsync(string name, int seed)
    {
        var data = new byte[2 * 1024 * 1024 + 123];
        new Random(seed).NextBytes(data.AsSpan(0, 500_000));
        new Random(seed + 1).NextBytes(data.AsSpan(data.Length - 100_000));
        var path = Path.Combine(_cli.Home, name);
        await File.WriteAllBytesAsync(path, data);
        return (path, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)));
    }

    [Fact]
    [Trait("Peer", "zstd")]
    public async Task ImageImport_ZstdFile_UploadsConvertsAndShowsProgress()
    {
        await LoginAsync();
        var (raw, sha) = await DiskAsync("os.img", 11);
        var (rc, _, zerr) = await TestKit.PeerProcess.RunAsync(TestKit.Peers.Require("zstd"), ["-q", "-f", raw, "-o", raw + ".zst"], TimeSpan.FromSeconds(30));
        Assert.True(rc == 0, zerr);

        var (code, output, err) = await RunAsync("image", "import", "cli-chunked", raw + ".zst");

        Assert.True(code == 0, err);
        Assert.Contains("uploading", err, StringComparison.Ordinal);
        Assert.Contains("importing", err, StringComparison.Ordinal);
        Assert.Contains("100.0%", err, StringComparison.Ordinal);
        Assert.Contains($"Imported cli-chunked (raw-zstd, {2 * 1024 * 1024 + 123} bytes)", output, StringComparison.Ordinal);
        Assert.Contains("Location: cli-chunked/index.json", output, StringComparison.Ordinal);
        var image = JsonDocument.Parse((await RunAsync("image", "show", "cli-chunked", "-o", "json")).Out).RootElement;
        Assert.Equal("chunked", image.GetProperty("format").GetString());
        Assert.Equal(sha, image.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task ImageImport_RegisteredImage_ConvertsItInPlace()
    {
        await LoginAsync();
        var (raw, sha) = await DiskAsync("reg.img", 12);
        Assert.Equal(0, (await RunAsync("image", "upload", "cli-reg", raw)).Code);

        var (code, output, err) = await RunAsync("image", "import", "cli-reg", "-o", "json");

        Assert.True(code == 0, err);
        var result = JsonDocument.Parse(output).RootElement;
        Assert.Equal("raw", result.GetProperty("sourceFormat").GetString());
        Assert.Equal("chunked", result.GetProperty("image").GetProperty("format").GetString());
        Assert.Equal(sha, result.GetProperty("image").GetProperty("sha256").GetString());
        Assert.Equal("cli-reg/index.json", result.GetProperty("image").GetProperty("location").GetString());

        var again = await RunAsync("image", "import", "cli-reg");
        Assert.Equal(ExitCodes.Conflict, again.Code);
        Assert.Contains("already in the chunked format", again.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("image", "import", "no-such-image")).Code);
    }

    [Fact]
    public async Task ImageImport_WrongRawSha256_FailsNamingBothDigests()
    {
        await LoginAsync();
        var (raw, sha) = await DiskAsync("wrong.img", 13);
        var wrong = new string('d', 64);

        var (code, _, err) = await RunAsync("image", "import", "cli-wrong", raw, "--raw-sha256", wrong);

        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("Checksum mismatch", err, StringComparison.Ordinal);
        Assert.Contains(sha, err, StringComparison.Ordinal);
        Assert.Contains(wrong, err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("image", "show", "cli-wrong")).Code);
    }

    [Fact]
    public async Task Template_PushDiffRollbackPreview()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "cli-tpl", bpodName: "r1");
        await LoginAsync(UserRole.Operator, "cli-templater");
        var v1 = Path.Combine(_cli.Home, "v1.yaml");
        var v2 = Path.Combine(_cli.Home, "v2.yaml");
        await File.WriteAllTextAsync(v1, "#cloud-config\nhostname: {{hostname}}\n");
        await File.WriteAllTextAsync(v2, "#cloud-config\nhostname: {{hostname}}\nntp: true\n");
        Assert.Equal(0, (await RunAsync("template", "push", "cli-ud", v1, "--kind", "cloud-init-user-data", "--activate")).Code);
        Assert.Equal(0, (await RunAsync("template", "push", "cli-ud", v2, "--activate", "-m", "ntp")).Code);
        var diff = await RunAsync("template", "diff", "cli-ud");
        Assert.Contains("+ntp: true", diff.Out, StringComparison.Ordinal);
        var preview = await RunAsync("template", "preview", "cli-ud", "--node", nodes[0].Hostname);
        Assert.Contains($"hostname: {nodes[0].Hostname}", preview.Out, StringComparison.Ordinal);
        var rendered = await RunAsync("template", "render", "cli-ud", "--node", nodes[0].Hostname);
        Assert.Equal(preview.Out, rendered.Out);
        Assert.Equal(0, (await RunAsync("template", "rollback", "cli-ud")).Code);
        Assert.Equal(1, (await fixture.App.Store.Templates.GetActiveAsync("cli-ud", default))!.Version);
    }

    [Fact]
    public async Task Doctor_ReportsChecksAndFixes()
    {
        await LoginAsync();
        var (code, output, _) = await RunAsync("doctor");
        Assert.Matches(@"(?m)^api +ok +http://", output);
        Assert.Matches(@"(?m)^clock-skew +ok +Clocks agree", output);
        Assert.Matches(@"(?m)^clock +ok +Appliance clock", output);

        // This test host runs no TFTP server (its report has no tftp check), so nothing is probed from here either.
        Assert.DoesNotContain("tftp", output, StringComparison.Ordinal);
        Assert.Equal(CliApp.DoctorExitCodes.Ok, code);
    }

    public void Dispose() => _cli.Dispose();
}
