using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioner.Cli;
using Provisioner.TestKit;
using Provisioner.TestKit.Appliance;

namespace Provisioner.Cli.Tests;

/// <summary>'provisioner doctor' against the real appliance process: a table of every check, a fix under each problem,
/// and exit 0 when all is well, 1 with warnings only, 2 with a failure.</summary>
[Trait("Area", "Cli")]
public sealed class DoctorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("provisioner-cli-doctor-").FullName;

    private string ConfigPath => Path.Combine(_dir, "home", "provisioner", "config.json");

    private string PxeDirectory => Path.Combine(_dir, "pxe");

    [Fact]
    public async Task Doctor_AllWell_Exit0_WarningOnly_Exit1_Failure_Exit2WithTheFix()
    {
        WriteBootLoaders();
        WriteLiveImage();
        var tftpPort = FreePort.Udp();
        await using var appliance = await ApplianceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Paths:Pxe"] = PxeDirectory,
            ["Paths:LiveImage"] = Path.Combine(_dir, "live"),
            ["Tftp:Enabled"] = "true",
            ["Tftp:Address"] = "127.0.0.1",
            ["Tftp:Port"] = tftpPort.ToString(CultureInfo.InvariantCulture),
        });
        using (var api = new ApplianceApiClient(new HttpClient(), appliance.BaseUrl))
        {
            await api.SetupAdminAsync();
        }

        var login = await RunAsync("correct-horse-battery-staple\n", "login", "--url", appliance.BaseUrl, "--user", "admin", "--password-stdin");
        Assert.True(login.Code == 0, login.Err);

        var (code, output, _) = await RunAsync("", "doctor");
        Assert.True(code == CliApp.DoctorExitCodes.Ok, output);
        var rows = Rows(output);
        Assert.Equal(["api", "clock-skew", "clock", "boot-loaders", "live-image", "http-public-url", "dhcp-listeners", "tftp", "foreign-dhcp", "bmcs", "tftp-from-here"],
            rows.Select(r => r.Name));
        Assert.All(rows, r => Assert.Equal("ok", r.Status));
        Assert.Contains($"TFTP answers on 127.0.0.1:{tftpPort} from this machine.", output, StringComparison.Ordinal);
        Assert.EndsWith("11 checks: 11 ok, 0 warning(s), 0 failure(s)", output.TrimEnd(), StringComparison.Ordinal);

        // Boot loaders that cannot be verified: a warning, exit 1.
        File.Delete(Path.Combine(PxeDirectory, "manifest.sha256"));
        (code, output, _) = await RunAsync("", "doctor");
        Assert.True(code == CliApp.DoctorExitCodes.Warnings, output);
        Assert.Equal("WARN", Rows(output).Single(r => r.Name == "boot-loaders").Status);

        // A missing boot loader: a failure, exit 2, with what to do under it.
        File.Delete(Path.Combine(PxeDirectory, "undionly.kpxe"));
        (code, output, _) = await RunAsync("", "doctor");
        Assert.True(code == CliApp.DoctorExitCodes.Failures, output);
        var lines = output.Split('\n');
        var failed = Array.FindIndex(lines, l => l.StartsWith("boot-loaders ", StringComparison.Ordinal));
        Assert.Contains("FAIL", lines[failed], StringComparison.Ordinal);
        Assert.Contains("undionly.kpxe (BIOS)", lines[failed], StringComparison.Ordinal);
        Assert.StartsWith("fix: Run 'make pxe'", lines[failed + 1].TrimStart(), StringComparison.Ordinal);
        Assert.Contains("1 failure(s)", output, StringComparison.Ordinal);

        // The same as JSON for scripts.
        (code, output, _) = await RunAsync("", "doctor", "--output", "json");
        Assert.Equal(CliApp.DoctorExitCodes.Failures, code);
        var json = JsonDocument.Parse(output).RootElement.EnumerateArray().ToArray();
        Assert.Equal("fail", json.Single(c => c.GetProperty("name").GetString() == "boot-loaders").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Doctor_ApplianceUnreachable_Exit2()
    {
        // Logged in once; the appliance is not there any more.
        new CliConfig($"http://127.0.0.1:{FreePort.Tcp()}", "prv_gone", "admin").Save(ConfigPath);
        var (code, output, _) = await RunAsync("", "doctor");
        Assert.Equal(CliApp.DoctorExitCodes.Failures, code);
        var row = Assert.Single(Rows(output));
        Assert.Equal(("api", "FAIL"), row);
        Assert.Contains("fix: Check the URL", output, StringComparison.Ordinal);
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext { Out = output, Error = error, In = new StringReader(stdin), ConfigPath = ConfigPath };
        var code = await CliApp.RunAsync(args, context);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The table's rows (name and status column), without fix lines, header or totals.</summary>
    private static List<(string Name, string Status)> Rows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Where(l => !l.StartsWith(' ') && !l.Contains(" checks: ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => (f[0], f[1]))
            .ToList();

    private void WriteBootLoaders()
    {
        Directory.CreateDirectory(PxeDirectory);
        var lines = new List<string>();
        foreach (var name in new[] { "undionly.kpxe", "snponly.efi" })
        {
            var bytes = RandomNumberGenerator.GetBytes(2048);
            File.WriteAllBytes(Path.Combine(PxeDirectory, name), bytes);
            lines.Add($"{Convert.ToHexStringLower(SHA256.HashData(bytes))}  {name}  ipxe 1.0-test");
        }

        File.WriteAllLines(Path.Combine(PxeDirectory, "manifest.sha256"), lines);
    }

    private void WriteLiveImage()
    {
        var live = Directory.CreateDirectory(Path.Combine(_dir, "live")).FullName;
        var files = new JsonObject();
        foreach (var name in new[] { "vmlinuz", "initrd.img" })
        {
            var bytes = RandomNumberGenerator.GetBytes(4096);
            File.WriteAllBytes(Path.Combine(live, name), bytes);
            files[name] = new JsonObject { ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes)), ["size"] = bytes.Length };
        }

        File.WriteAllText(Path.Combine(live, "manifest.json"), new JsonObject { ["kernelVersion"] = "6.1.0-test", ["files"] = files }.ToJsonString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
