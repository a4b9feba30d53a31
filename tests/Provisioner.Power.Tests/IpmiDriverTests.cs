using Provisioner.Core.Power;
using Provisioner.Ipmi;
using Provisioner.Power.Ipmi;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Power.Tests;

/// <summary>The ipmi driver through the runner against a real ipmi_sim, cross-checked with ipmitool.</summary>
[Trait("Area", "Power")]
[Trait("Peer", "ipmi_sim")]
public sealed class IpmiDriverTests
{
    private static readonly IpmiSimUser Admin = new("admin", "rackpass");
    private static readonly PowerActionRunnerOptions Fast = new()
    {
        FirstPollInterval = TimeSpan.FromMilliseconds(100),
        VerifyTimeout = TimeSpan.FromSeconds(8),
        SoftOffTimeout = TimeSpan.FromSeconds(8),
        MinCommandInterval = TimeSpan.Zero,
        RetryDelay = TimeSpan.FromMilliseconds(100),
    };

    private static PowerTarget Target(IpmiSimulator sim, string password = "rackpass") => new()
    {
        Driver = "ipmi",
        Address = sim.EndPoint.Address.ToString(),
        Port = sim.EndPoint.Port,
        Username = "admin",
        Secret = password,
        NodeName = "sim-node",
        Settings = new Dictionary<string, string> { ["cipher_suite"] = "3", ["timeout_ms"] = "1000" },
    };

    [Fact]
    public async Task Runner_EveryAction_ConfirmedAndIpmitoolAgrees()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var driver = new IpmiPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);
        var target = Target(sim);

        var on = await runner.ApplyAsync(target, PowerAction.On);
        Assert.True(on.Confirmed);
        Assert.Contains("Chassis Power is on", (await sim.IpmitoolAsync(Admin, "chassis", "power", "status")).Stdout, StringComparison.Ordinal);

        Assert.True((await runner.ApplyAsync(target, PowerAction.Reset)).Confirmed);
        Assert.Contains("reset", sim.EventsLog, StringComparison.Ordinal);
        Assert.True((await runner.ApplyAsync(target, PowerAction.Cycle)).Confirmed);
        Assert.True((await runner.ApplyAsync(target, PowerAction.SoftOff)).Confirmed);
        Assert.Contains("shutdown", sim.EventsLog, StringComparison.Ordinal);
        Assert.Contains("Chassis Power is off", (await sim.IpmitoolAsync(Admin, "chassis", "power", "status")).Stdout, StringComparison.Ordinal);

        await sim.IpmitoolAsync(Admin, "chassis", "power", "on");
        Assert.Equal(PowerState.On, await runner.QueryAsync(target));
        var off = await runner.ApplyAsync(target, PowerAction.Off);
        Assert.True(off.Confirmed);
        Assert.False(sim.PowerFileSaysOn);
        Assert.Equal(1, driver.Counters.Snapshot().SessionsOpened);
    }

    [Fact]
    public async Task SetBootDevice_PxeThenDisk_ReadBackAndIpmitoolAgree()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var driver = new IpmiPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);
        var target = Target(sim);

        await runner.SetBootDeviceAsync(target, new BootDeviceSetting(BootDevice.Pxe, false, BootMode.Uefi));
        Assert.Equal("pxe", sim.BootFile);
        Assert.Equal(BootDevice.Pxe, (await runner.GetBootDeviceAsync(target))!.Value.Device);
        Assert.Contains("Force PXE", (await sim.IpmitoolAsync(Admin, "chassis", "bootparam", "get", "5")).Stdout, StringComparison.Ordinal);

        await runner.SetBootDeviceAsync(target, new BootDeviceSetting(BootDevice.Disk, true));
        Assert.Equal("default", sim.BootFile);
        Assert.Contains("Force Boot from default Hard-Drive", (await sim.IpmitoolAsync(Admin, "chassis", "bootparam", "get", "5")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_WrongPassword_CredentialsRejectedNotRetried()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var driver = new IpmiPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);

        var e = await Assert.ThrowsAsync<PowerException>(() => runner.ApplyAsync(Target(sim, "wrong"), PowerAction.On));

        Assert.Equal(PowerErrorKind.CredentialsRejected, e.Kind);
        Assert.False(e.IsTransient);
        Assert.Equal($"BMC {sim.EndPoint}: credentials rejected for user admin (RAKP 2 key exchange code mismatch: wrong password).", e.Message);
    }

    [Fact]
    public async Task Apply_ChassisIgnoresPowerCommands_NotConfirmed()
    {
        // A chassis program that accepts every set and always reports power off.
        var dir = Directory.CreateTempSubdirectory("lying-chassis");
        var program = Path.Combine(dir.FullName, "chassis.sh");
        await File.WriteAllTextAsync(program, "#!/bin/sh\nif [ \"$2\" = get ]; then shift 2; for n in \"$@\"; do echo \"$n:0\"; done; fi\nexit 0\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        try
        {
            await using var sim = await IpmiSimulator.StartAsync(new IpmiSimulatorOptions { ChassisProgram = program });
            await using var driver = new IpmiPowerDriver();
            var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast with { VerifyTimeout = TimeSpan.FromSeconds(2) });

            var e = await Assert.ThrowsAsync<PowerException>(() => runner.ApplyAsync(Target(sim), PowerAction.On));

            Assert.Equal(PowerErrorKind.NotConfirmed, e.Kind);
            Assert.Contains("power on was accepted but the node is not on", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Query_BmcNeverAnswers_TransientNoResponse()
    {
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        silent.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        await using var driver = new IpmiPowerDriver();
        var target = new PowerTarget
        {
            Driver = "ipmi", Address = "127.0.0.1", Port = ((System.Net.IPEndPoint)silent.LocalEndPoint!).Port, Username = "admin", Secret = "x",
            Settings = new Dictionary<string, string> { ["timeout_ms"] = "100", ["tries"] = "2" },
        };

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(target, CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.NoResponse, e.Kind);
        Assert.True(e.IsTransient);
        Assert.Contains("no answer to Get Channel Authentication Capabilities after 2 tries", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The ipmi driver against the TestKit FakeBmc (suite 17, boot flags that do not stick).</summary>
[Trait("Area", "Power")]
public sealed class IpmiDriverFakeBmcTests
{
    private static PowerTarget Target(FakeBmc bmc, string suite = "17") => new()
    {
        Driver = "ipmi",
        Address = "127.0.0.1",
        Port = bmc.EndPoint.Port,
        Username = "admin",
        Secret = "password",
        Settings = new Dictionary<string, string> { ["cipher_suite"] = suite, ["timeout_ms"] = "1000" },
    };

    [Fact]
    public async Task Suite17_OnAndBootFlags_AppliedWithFlags()
    {
        var chassis = new FakeChassis();
        await using var bmc = new FakeBmc(chassis);
        await using var driver = new IpmiPowerDriver();

        await driver.ApplyAsync(Target(bmc), PowerAction.On, CancellationToken.None);
        await driver.SetBootDeviceAsync(Target(bmc), new BootDeviceSetting(BootDevice.Pxe, true, BootMode.Legacy), CancellationToken.None);

        Assert.True(chassis.PowerOn);
        Assert.Equal((byte)0xC0, chassis.BootFlags.Flags); // valid + persistent, legacy
        Assert.Equal(new BootDeviceSetting(BootDevice.Pxe, true, BootMode.Legacy), await driver.GetBootDeviceAsync(Target(bmc), CancellationToken.None));
        Assert.Equal(PowerState.On, await driver.QueryAsync(Target(bmc), CancellationToken.None));
    }

    [Fact]
    public async Task SetBootDevice_BmcKeepsOldFlags_NotConfirmed()
    {
        var chassis = new FakeChassis { IgnoreBootFlags = true };
        await using var bmc = new FakeBmc(chassis);
        await using var driver = new IpmiPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() =>
            driver.SetBootDeviceAsync(Target(bmc), new BootDeviceSetting(BootDevice.Pxe), CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.NotConfirmed, e.Kind);
        Assert.Contains("reads back NoOverride", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cycle_MachineOff_PowersOn()
    {
        var chassis = new FakeChassis();
        await using var bmc = new FakeBmc(chassis);
        await using var driver = new IpmiPowerDriver();

        await driver.ApplyAsync(Target(bmc, "3"), PowerAction.Cycle, CancellationToken.None);

        Assert.Equal([(byte)1], chassis.ControlLog);
    }

    [Fact]
    public async Task Cycle_MachineOn_SwitchesOffThenOn()
    {
        var chassis = new FakeChassis(powerOn: true);
        await using var bmc = new FakeBmc(chassis);
        await using var driver = new IpmiPowerDriver();

        await driver.ApplyAsync(Target(bmc, "3"), PowerAction.Cycle, CancellationToken.None);

        Assert.Equal([(byte)0, (byte)1], chassis.ControlLog);
        Assert.True(chassis.PowerOn);
    }

    [Fact]
    public async Task Cycle_NeverReadsOff_NotConfirmedNamingTheSetting()
    {
        var chassis = new FakeChassis(powerOn: true) { IgnoreControl = true };
        await using var bmc = new FakeBmc(chassis);
        await using var driver = new IpmiPowerDriver();
        var target = Target(bmc, "3") with { Settings = new Dictionary<string, string> { ["cipher_suite"] = "3", ["cycle_off_timeout_s"] = "1" } };

        var e = await Assert.ThrowsAsync<PowerException>(async () => await driver.ApplyAsync(target, PowerAction.Cycle, CancellationToken.None));

        Assert.Equal(PowerErrorKind.NotConfirmed, e.Kind);
        Assert.Contains("cycle_off_timeout_s", e.Message, StringComparison.Ordinal);
        Assert.Equal([(byte)0], chassis.ControlLog);
    }

    [Fact]
    public async Task Identify_Indefinitely_ForcesLed()
    {
        var chassis = new FakeChassis();
        await using var bmc = new FakeBmc(chassis);
        await using var driver = new IpmiPowerDriver();

        await driver.IdentifyAsync(Target(bmc), null, CancellationToken.None);

        Assert.Equal(((byte)0, true), chassis.IdentifyState);
    }

    [Fact]
    public async Task Query_BadCipherSuiteSetting_Misconfigured()
    {
        await using var bmc = new FakeBmc();
        await using var driver = new IpmiPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(Target(bmc, "8"), CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.Misconfigured, e.Kind);
    }

    [Fact]
    public void Counters_SharedAcrossClients()
    {
        var counters = new IpmiCounters();
        Assert.Same(counters, new IpmiPowerDriver(counters: counters).Counters);
    }
}
