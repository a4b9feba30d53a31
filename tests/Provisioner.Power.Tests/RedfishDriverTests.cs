using Provisioner.Core.Power;
using Provisioner.Power.Redfish;
using Provisioner.TestKit.Redfish;

namespace Provisioner.Power.Tests;

/// <summary>The redfish driver against the TestKit Redfish service (HTTPS with a self-signed certificate).</summary>
[Trait("Area", "Power")]
public sealed class RedfishDriverTests
{
    private static readonly PowerActionRunnerOptions Fast = new()
    {
        FirstPollInterval = TimeSpan.FromMilliseconds(50),
        VerifyTimeout = TimeSpan.FromSeconds(2),
        MinCommandInterval = TimeSpan.Zero,
    };

    private static PowerTarget Target(RedfishServer server, Dictionary<string, string>? settings = null, string password = "password") => new()
    {
        Driver = "redfish",
        Address = "127.0.0.1",
        Port = server.Port,
        Username = "admin",
        Secret = password,
        NodeName = "rf-node",
        Settings = settings ?? new Dictionary<string, string> { ["tls_fingerprint"] = server.CertificateSha256! },
    };

    [Fact]
    public async Task Runner_EveryAction_ConfirmedWithPinnedCertificate()
    {
        await using var server = new RedfishServer();
        using var driver = new RedfishPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);
        var target = Target(server);

        Assert.True((await runner.ApplyAsync(target, PowerAction.On)).Confirmed);
        Assert.Equal("On", server.PowerState);
        Assert.True((await runner.ApplyAsync(target, PowerAction.Reset)).Confirmed);
        Assert.True((await runner.ApplyAsync(target, PowerAction.Cycle)).Confirmed);
        Assert.True((await runner.ApplyAsync(target, PowerAction.SoftOff)).Confirmed);
        Assert.Equal("Off", server.PowerState);
        Assert.Contains("POST /redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset", server.Requests);
        Assert.Single(server.Requests, r => r == "POST /redfish/v1/SessionService/Sessions");
    }

    [Fact]
    public async Task SetBootDevice_PxeOnceUefi_PatchedWithIfMatchAndReadBack()
    {
        await using var server = new RedfishServer { RequireIfMatch = true };
        using var driver = new RedfishPowerDriver();
        var target = Target(server);

        await driver.SetBootDeviceAsync(target, new BootDeviceSetting(BootDevice.Pxe, false, BootMode.Uefi), CancellationToken.None);

        Assert.Equal(("Pxe", "Once", "UEFI"), (server.BootTarget, server.BootEnabled, server.BootMode));
        Assert.Equal(new BootDeviceSetting(BootDevice.Pxe, false, BootMode.Uefi), await driver.GetBootDeviceAsync(target, CancellationToken.None));

        await driver.SetBootDeviceAsync(target, new BootDeviceSetting(BootDevice.Disk, true, BootMode.Legacy), CancellationToken.None);
        Assert.Equal(("Hdd", "Continuous", "Legacy"), (server.BootTarget, server.BootEnabled, server.BootMode));
    }

    [Fact]
    public async Task Apply_BmcIgnoresReset_NotConfirmed()
    {
        await using var server = new RedfishServer { IgnoreResets = true };
        using var driver = new RedfishPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);

        var e = await Assert.ThrowsAsync<PowerException>(() => runner.ApplyAsync(Target(server), PowerAction.On));

        Assert.Equal(PowerErrorKind.NotConfirmed, e.Kind);
    }

    [Fact]
    public async Task Query_SelfSignedWithoutPin_TlsRejectedClearly()
    {
        await using var server = new RedfishServer();
        using var driver = new RedfishPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(Target(server, new Dictionary<string, string>()), CancellationToken.None).AsTask());

        Assert.False(e.IsTransient);
        Assert.Contains("TLS certificate", e.Message, StringComparison.Ordinal);
        Assert.Contains("tls_fingerprint", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_WrongPin_Rejected()
    {
        await using var server = new RedfishServer();
        using var driver = new RedfishPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() =>
            driver.QueryAsync(Target(server, new Dictionary<string, string> { ["tls_fingerprint"] = new string('A', 64) }), CancellationToken.None).AsTask());

        Assert.Contains("TLS certificate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_VerifyTlsOffBasicAuth_Works()
    {
        await using var server = new RedfishServer { PowerState = "On" };
        using var driver = new RedfishPowerDriver();

        var state = await driver.QueryAsync(Target(server, new Dictionary<string, string> { ["verify_tls"] = "false", ["auth"] = "basic" }), CancellationToken.None);

        Assert.Equal(PowerState.On, state);
        Assert.DoesNotContain(server.Requests, r => r.Contains("Sessions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Query_WrongPassword_CredentialsRejected()
    {
        await using var server = new RedfishServer();
        using var driver = new RedfishPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(Target(server, password: "nope"), CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.CredentialsRejected, e.Kind);
        Assert.Contains("credentials rejected for user admin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Query_SessionExpired_LogsInAgain()
    {
        await using var server = new RedfishServer();
        using var driver = new RedfishPowerDriver();
        var target = Target(server);
        await driver.QueryAsync(target, CancellationToken.None);

        server.DropSessions();
        await driver.QueryAsync(target, CancellationToken.None);

        Assert.Equal(2, server.Requests.Count(r => r == "POST /redfish/v1/SessionService/Sessions"));
    }

    [Fact]
    public async Task Identify_On_SetsLocationIndicator()
    {
        await using var server = new RedfishServer();
        using var driver = new RedfishPowerDriver();

        await driver.IdentifyAsync(Target(server), null, CancellationToken.None);

        Assert.True(server.IndicatorActive);
    }

    [Fact]
    public async Task Query_PlainHttp_Works()
    {
        await using var server = new RedfishServer(useTls: false);
        using var driver = new RedfishPowerDriver();

        var state = await driver.QueryAsync(Target(server, new Dictionary<string, string> { ["scheme"] = "http" }), CancellationToken.None);

        Assert.Equal(PowerState.Off, state);
    }
}
