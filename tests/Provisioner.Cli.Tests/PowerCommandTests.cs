using System.Text.Json;
using Provisioner.Appliance.Tests.Power;
using Provisioner.Cli;

namespace Provisioner.Cli.Tests;

/// <summary>
/// <c>provisioner power requests|confirm|dismiss</c> against the real appliance: a power job on a manual node asks an
/// operator, who lists, confirms and dismisses from the command line; conflicts and unknown ids exit with their codes.
/// </summary>
[Trait("Area", "Cli")]
public sealed class PowerCommandTests(ManualPowerAppliance appliance) : IClassFixture<ManualPowerAppliance>, IDisposable
{
    private readonly CliRunner _cli = new();

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => _cli.RunAsync(args);

    private Task LoginAsync(string user) => _cli.LoginAsync(appliance.Process.BaseUrl, user, ManualPowerAppliance.Password);

    [Fact]
    public async Task Requests_Confirm_Dismiss_AsAnOperator()
    {
        var (host, _) = await appliance.ManualNodeAsync("cage 2, rack 1, U5");
        var (_, on) = await appliance.PowerAndWaitForRequestAsync(host, "on");
        var onId = on["id"]!.GetValue<string>();
        await LoginAsync("oscar");

        var list = await RunAsync("power", "requests", "--node", host);
        Assert.True(list.Code == 0, list.Err);
        Assert.StartsWith("ID", list.Out, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^{onId} +{host} +power on +cage 2, rack 1, U5 ", list.Out);

        var confirm = await RunAsync("power", "confirm", onId);
        Assert.True(confirm.Code == 0, confirm.Err);
        Assert.Equal($"{host}: power on marked done.", confirm.Out.Trim());
        Assert.Equal("on", (await appliance.Admin.GetAsync($"api/v1/nodes/{host}"))["powerState"]!.GetValue<string>());

        var again = await RunAsync("power", "confirm", onId);
        Assert.Equal(ExitCodes.Conflict, again.Code);
        Assert.Contains("already done (by oscar", again.Err, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotFound, (await RunAsync("power", "confirm", Guid.NewGuid().ToString())).Code);

        var (_, off) = await appliance.PowerAndWaitForRequestAsync(host, "off");
        var dismiss = await RunAsync("power", "dismiss", off["id"]!.GetValue<string>());
        Assert.True(dismiss.Code == 0, dismiss.Err);
        Assert.Equal($"{host}: power off (hard) dismissed.", dismiss.Out.Trim());

        var pending = JsonDocument.Parse((await RunAsync("power", "requests", "--node", host, "-o", "json")).Out).RootElement;
        Assert.Equal(0, pending.GetProperty("total").GetInt64());
        var all = await RunAsync("power", "requests", "--all", "--node", host);
        Assert.Matches($@"(?m)^{onId} +{host} +power on +done +oscar ", all.Out);
        Assert.Contains("dismissed", all.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_AsAViewer_ExitsWithTheAuthCode()
    {
        var (host, _) = await appliance.ManualNodeAsync("cage 2, rack 1, U6");
        var (_, request) = await appliance.PowerAndWaitForRequestAsync(host, "on");
        await LoginAsync("victor");

        var (code, _, err) = await RunAsync("power", "confirm", request["id"]!.GetValue<string>());

        Assert.Equal(ExitCodes.Auth, code);
        Assert.Contains("operator", err, StringComparison.Ordinal);
        Assert.Equal("pending", (await appliance.Admin.GetAsync($"api/v1/power-requests/{request["id"]!.GetValue<string>()}"))["status"]!.GetValue<string>());
    }

    public void Dispose() => _cli.Dispose();
}
