using Provisioner.Appliance.Tests.Power;
using Provisioner.Cli;

namespace Provisioner.Cli.Tests;

/// <summary><c>provisioner template validate FILE</c> against the real appliance's template engine.</summary>
[Trait("Area", "Cli")]
public sealed class TemplateCommandTests(ManualPowerAppliance appliance) : IClassFixture<ManualPowerAppliance>, IDisposable
{
    private readonly CliRunner _cli = new();

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => _cli.RunAsync(args);

    private Task LoginAsync(string user) => _cli.LoginAsync(appliance.Process.BaseUrl, user, ManualPowerAppliance.Password);

    [Fact]
    public async Task TemplateValidate_File_KindFromItsPlace_ErrorsWithLineNumbers()
    {
        await LoginAsync("oscar");
        var dir = Directory.CreateDirectory(Path.Combine(_cli.Home, "ipxe")).FullName;
        var good = Path.Combine(dir, "hello.ipxe.hbs");
        var bad = Path.Combine(dir, "broken.ipxe.hbs");
        var notIpxe = Path.Combine(dir, "plain.ipxe.hbs");
        await File.WriteAllTextAsync(good, "#!ipxe\necho {{node.hostname}}\n");
        await File.WriteAllTextAsync(bad, "#!ipxe\necho {{node.hostname\n");
        await File.WriteAllTextAsync(notIpxe, "echo {{node.hostname}}\n");

        var ok = await RunAsync("template", "validate", good);
        Assert.True(ok.Code == 0, ok.Out + ok.Err);
        Assert.Contains("Valid.", ok.Out, StringComparison.Ordinal);
        var syntax = await RunAsync("template", "validate", bad);
        Assert.Equal(ExitCodes.Failed, syntax.Code);
        Assert.Contains("broken.ipxe.hbs:2:", syntax.Out, StringComparison.Ordinal);
        // Checked as iPXE because of where it lives (ipxe/*.ipxe): the output must start with #!ipxe.
        var kind = await RunAsync("template", "validate", notIpxe);
        Assert.Equal(ExitCodes.Failed, kind.Code);
        Assert.Contains("#!ipxe", kind.Out, StringComparison.Ordinal);
        var missing = await RunAsync("template", "validate", Path.Combine(dir, "nope.hbs"));
        Assert.Equal(ExitCodes.Usage, missing.Code);
    }

    public void Dispose() => _cli.Dispose();
}
