using Provisioner.Ipmi.Commands;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Ipmi.Tests;

/// <summary>Our client against the TestKit's independent RMCP+ BMC: suite 17, failures, forged replies.</summary>
[Trait("Area", "Ipmi")]
public sealed class FakeBmcTests
{
    internal static IpmiClient Client(FakeBmc bmc, string user = "admin", string password = "password", int? suite = null,
        int tries = 3, int timeoutMs = 1000, IpmiPrivilege privilege = IpmiPrivilege.Administrator) =>
        new(new IpmiClientOptions
        {
            Host = "127.0.0.1",
            Port = bmc.EndPoint.Port,
            Username = user,
            Password = password,
            CipherSuite = suite,
            Privilege = privilege,
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
            Tries = tries,
        });

    [Theory]
    [InlineData(3)]
    [InlineData(17)]
    public async Task AllCommands_Suite_Work(int suite)
    {
        var chassis = new FakeChassis();
        await using var bmc = new FakeBmc(chassis);
        await using var client = Client(bmc, suite: suite);

        var id = await client.GetDeviceIdAsync();
        Assert.Equal(0x0157, id.ManufacturerId);
        await client.ChassisControlAsync(ChassisControl.PowerUp);
        Assert.True(chassis.PowerOn);
        Assert.True((await client.GetChassisStatusAsync()).PowerOn);
        await client.SetBootFlagsAsync(new BootFlags(true, true, true, BootDeviceSelector.Pxe));
        Assert.Equal(new BootFlags(true, true, true, BootDeviceSelector.Pxe), await client.GetBootFlagsAsync());
        await client.IdentifyAsync(0, true);
        Assert.Equal((byte)2, (await client.GetChassisStatusAsync()).IdentifyState);
        await client.ChassisControlAsync(ChassisControl.PowerDown);
        Assert.False((await client.GetChassisStatusAsync()).PowerOn);
        Assert.Equal(suite, client.NegotiatedSuite!.Id);
        Assert.Equal(1, bmc.SessionsOpened);
    }

    [Fact]
    public async Task OpenSession_BmcOffers17_PicksStrongest()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc);

        await client.GetChassisStatusAsync();

        Assert.Equal(17, client.NegotiatedSuite!.Id);
    }

    [Fact]
    public async Task OpenSession_BmcOffersOnly3_FallsBack()
    {
        await using var bmc = new FakeBmc();
        bmc.CipherSuites.Remove(17);
        await using var client = Client(bmc);

        await client.GetChassisStatusAsync();

        Assert.Equal(3, client.NegotiatedSuite!.Id);
    }

    [Fact]
    public async Task OpenSession_Suite17WrongPassword_CredentialsRejected()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc, password: "nope", suite: 17);

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetDeviceIdAsync());

        Assert.Equal(IpmiErrorKind.WrongPassword, e.Kind);
        Assert.Equal(0, bmc.ActiveSessions);
    }

    [Fact]
    public async Task OpenSession_PrivilegeAboveUsersMaximum_Rejected()
    {
        await using var bmc = new FakeBmc(users: [new FakeBmcUser("viewer", "pw", MaxPrivilege: 2)]);
        await using var client = Client(bmc, user: "viewer", password: "pw");

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Equal(IpmiErrorKind.PrivilegeRejected, e.Kind);
        Assert.Contains("privilege Administrator refused for user viewer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_UnknownToBmc_CompletionCodeC1WithName()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc);

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.ExecuteAsync(NetFn.App, 0x99, [], "Made Up"));

        Assert.Equal(IpmiErrorKind.CompletionCode, e.Kind);
        Assert.Equal(0xC1, e.CompletionCode);
        Assert.Contains("completion code 0xc1 (invalid command)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_BmcForgetsIt_ReopensOnce()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc, tries: 2, timeoutMs: 400);
        await client.GetChassisStatusAsync();

        bmc.DropSessions();
        await client.GetChassisStatusAsync();

        Assert.Equal(2, bmc.SessionsOpened);
    }

    [Fact]
    public async Task Dispose_ClosesSessionAtBmc()
    {
        await using var bmc = new FakeBmc();
        var client = Client(bmc);
        await client.GetChassisStatusAsync();
        Assert.Equal(1, bmc.ActiveSessions);

        await client.DisposeAsync();
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (bmc.ActiveSessions != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(0, bmc.ActiveSessions);
    }

    [Fact]
    public async Task Reply_Truncated_RejectedCountedAndCommandFails()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc, tries: 2, timeoutMs: 250);
        await client.GetChassisStatusAsync();
        bmc.MutateSessionReply = r => r[..(r.Length - 5)];

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Equal(IpmiErrorKind.InvalidReplies, e.Kind);
        Assert.Contains("Truncated", e.Message, StringComparison.Ordinal);
        Assert.True(client.Counters.Snapshot().Rejected[IpmiRejectReason.Truncated] > 0);
    }

    [Fact]
    public async Task Reply_BadIntegrityCode_RejectedCountedAndCommandFails()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc, tries: 2, timeoutMs: 250);
        await client.GetChassisStatusAsync();
        bmc.MutateSessionReply = r =>
        {
            r[^1] ^= 0x80;
            return r;
        };

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Contains("BadIntegrity", e.Message, StringComparison.Ordinal);
        Assert.True(client.Counters.Snapshot().Rejected[IpmiRejectReason.BadIntegrity] > 0);
    }

    [Fact]
    public async Task Reply_WrongSessionId_RejectedCountedAndCommandFails()
    {
        await using var bmc = new FakeBmc();
        await using var client = Client(bmc, tries: 2, timeoutMs: 250);
        await client.GetChassisStatusAsync();
        bmc.ForceReplySessionId = 0xDEADBEEF;

        var e = await Assert.ThrowsAsync<IpmiException>(() => client.GetChassisStatusAsync());

        Assert.Contains("WrongSessionId", e.Message, StringComparison.Ordinal);
        Assert.True(client.Counters.Snapshot().Rejected[IpmiRejectReason.WrongSessionId] > 0);
    }

    [Fact]
    public async Task Reply_ReplayedSequence_RejectedAndRealReplyAccepted()
    {
        var chassis = new FakeChassis(powerOn: true);
        await using var bmc = new FakeBmc(chassis);
        await using var client = Client(bmc);
        await client.GetChassisStatusAsync();
        bmc.ReplayPreviousReply = true;

        // Each reply is now preceded by a replay of the one before (same sequence number, valid code).
        chassis.SetPower(false);
        var status = await client.GetChassisStatusAsync();

        Assert.False(status.PowerOn);
        Assert.Equal(1, client.Counters.Snapshot().Rejected[IpmiRejectReason.Replayed]);
    }
}
