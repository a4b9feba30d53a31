using System.Net;
using System.Net.Sockets;
using Provisioner.Ipmi.Commands;
using Provisioner.Net;
using Provisioner.TestKit;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Ipmi.Tests;

/// <summary>Our client against a real OpenIPMI ipmi_sim, cross-checked with ipmitool -C 3.</summary>
[Trait("Area", "Ipmi")]
[Trait("Peer", "ipmi_sim")]
public sealed class IpmiSimTests
{
    private static readonly IpmiSimUser Admin = new("admin", "rackpass");

    private static IpmiClient Client(IpmiSimulator sim, string user = "admin", string password = "rackpass", int? suite = null, int tries = 3) =>
        new(new IpmiClientOptions
        {
            Host = sim.EndPoint.Address.ToString(),
            Port = sim.EndPoint.Port,
            Username = user,
            Password = password,
            CipherSuite = suite,
            Timeout = TimeSpan.FromMilliseconds(1000),
            Tries = tries,
        }, sim.CreateChannel(), sim.EndPoint);

    [Fact]
    public async Task GetDeviceId_Suite3_ReturnsSimulatorIdentity()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim, suite: 3);

        var id = await client.GetDeviceIdAsync();

        Assert.Equal(0x1291, id.ManufacturerId);
        Assert.Equal(0x0f02, id.ProductId);
        Assert.Equal(3, client.NegotiatedSuite!.Id);
    }

    [Fact]
    public async Task OpenSession_NoSuiteConfigured_FallsBackFrom17To3()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        await client.GetChassisStatusAsync();

        Assert.Equal(3, client.NegotiatedSuite!.Id);
    }

    [Fact]
    public async Task OpenSession_Suite17Required_FailsAsUnsupported()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim, suite: 17);

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Equal(IpmiErrorKind.UnsupportedCipherSuite, e.Kind);
        Assert.Contains("suite 17", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task ChassisControl_PowerUpThenDown_StateSeenByUsAndIpmitool()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        Assert.False((await client.GetChassisStatusAsync()).PowerOn);
        await client.ChassisControlAsync(ChassisControl.PowerUp);
        Assert.True((await client.GetChassisStatusAsync()).PowerOn);
        Assert.True(sim.PowerFileSaysOn);
        Assert.Contains("Chassis Power is on", (await sim.IpmitoolAsync(Admin, "chassis", "power", "status")).Stdout, StringComparison.Ordinal);

        await client.ChassisControlAsync(ChassisControl.PowerDown);
        Assert.False((await client.GetChassisStatusAsync()).PowerOn);
        Assert.Contains("Chassis Power is off", (await sim.IpmitoolAsync(Admin, "chassis", "power", "status")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetChassisStatus_AfterIpmitoolPowerOn_SeesOn()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        var (rc, stdout, stderr) = await sim.IpmitoolAsync(Admin, "chassis", "power", "on");
        Assert.True(rc == 0, stdout + stderr);

        Assert.True((await client.GetChassisStatusAsync()).PowerOn);
    }

    [Fact]
    public async Task ChassisControl_SoftCycleReset_ReachTheChassisProgram()
    {
        await using var sim = await IpmiSimulator.StartAsync(new IpmiSimulatorOptions { InitiallyOn = true });
        await using var client = Client(sim);

        await client.ChassisControlAsync(ChassisControl.HardReset);
        Assert.Contains("reset", sim.EventsLog, StringComparison.Ordinal);
        Assert.True((await client.GetChassisStatusAsync()).PowerOn);

        await client.ChassisControlAsync(ChassisControl.SoftShutdown);
        Assert.Contains("shutdown", sim.EventsLog, StringComparison.Ordinal);
        Assert.False((await client.GetChassisStatusAsync()).PowerOn);

        await client.ChassisControlAsync(ChassisControl.PowerCycle);
        // ipmi_sim powers down, then up again after one second.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!(await client.GetChassisStatusAsync()).PowerOn && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True((await client.GetChassisStatusAsync()).PowerOn);
    }

    [Theory]
    [InlineData(BootDeviceSelector.Pxe, "pxe", "Force PXE")]
    [InlineData(BootDeviceSelector.Disk, "default", "Force Boot from default Hard-Drive")]
    [InlineData(BootDeviceSelector.BiosSetup, "bios", "Force Boot into BIOS Setup")]
    public async Task SetBootFlags_Device_ReadBackByUsAndIpmitool(BootDeviceSelector device, string programValue, string ipmitoolText)
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        await client.SetBootFlagsAsync(new BootFlags(true, false, true, device));

        Assert.Equal(device, (await client.GetBootFlagsAsync()).Device);
        Assert.Equal(programValue, sim.BootFile);
        var (_, stdout, _) = await sim.IpmitoolAsync(Admin, "chassis", "bootparam", "get", "5");
        Assert.Contains(ipmitoolText, stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetBootFlags_AfterIpmitoolBootdev_SeesIt()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        var (_, stdout, stderr) = await sim.IpmitoolAsync(Admin, "chassis", "bootdev", "pxe");
        Assert.DoesNotContain("failed", stdout + stderr, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(BootDeviceSelector.Pxe, (await client.GetBootFlagsAsync()).Device);
    }

    [Fact]
    public async Task Identify_On_ReachesTheChassisProgram()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        await client.IdentifyAsync(15, false);

        Assert.Contains("identify", sim.EventsLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_SeveralCommands_OneSessionReused()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim);

        for (var i = 0; i < 5; i++)
        {
            await client.GetChassisStatusAsync();
        }

        var counters = client.Counters.Snapshot();
        Assert.Equal(1, counters.SessionsOpened);
        Assert.Equal(4, counters.SessionsReused);
        Assert.Equal(0, counters.TotalRejected);
    }

    [Fact]
    public async Task OpenSession_WrongPassword_CredentialsRejected()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim, password: "wrong");

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Equal(IpmiErrorKind.WrongPassword, e.Kind);
        Assert.Equal($"BMC {sim.EndPoint}: credentials rejected for user admin (RAKP 2 key exchange code mismatch: wrong password).", e.Message);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task OpenSession_UnknownUser_CredentialsRejectedWithStatus0x0d()
    {
        await using var sim = await IpmiSimulator.StartAsync();
        await using var client = Client(sim, user: "nobody");

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Equal(IpmiErrorKind.UnknownUser, e.Kind);
        Assert.Contains("credentials rejected for user nobody (RAKP status 0x0d", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_BmcNeverAnswers_NoResponseAfterTries()
    {
        // A bound socket that never answers: datagrams are swallowed, nothing comes back.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var endPoint = (IPEndPoint)silent.LocalEndPoint!;
        await using var client = new IpmiClient(new IpmiClientOptions
        {
            Host = "127.0.0.1",
            Port = endPoint.Port,
            Username = "admin",
            Password = "x",
            Timeout = TimeSpan.FromMilliseconds(200),
            Tries = 3,
        });

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Equal(IpmiErrorKind.NoResponse, e.Kind);
        Assert.Equal($"BMC 127.0.0.1:{endPoint.Port}: no answer to Get Channel Authentication Capabilities after 3 tries (0.2 s each).", e.Message);
        Assert.True(e.IsTransient);
    }

    [Fact]
    public async Task Session_InsideNamespace_Works()
    {
        Peers.RequireRoot();
        await using var ns = await NetNamespace.CreateAsync("ipmi");
        await using var sim = await IpmiSimulator.StartAsync(new IpmiSimulatorOptions { Namespace = ns });
        await using var client = Client(sim);

        await client.ChassisControlAsync(ChassisControl.PowerUp);

        Assert.True((await client.GetChassisStatusAsync()).PowerOn);
        Assert.Contains("Chassis Power is on", (await sim.IpmitoolAsync(Admin, "chassis", "power", "status")).Stdout, StringComparison.Ordinal);
    }
}
