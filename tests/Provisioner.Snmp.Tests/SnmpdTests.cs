using System.Globalization;
using Provisioner.TestKit;
using Provisioner.TestKit.Snmp;

namespace Provisioner.Snmp.Tests;

/// <summary>Our SNMP client against a real net-snmp snmpd, cross-checked with snmpget/snmpset.</summary>
[Trait("Area", "Snmp")]
[Trait("Peer", "snmpd")]
public sealed class SnmpdTests
{
    private static readonly Oid Column = Oid.Parse(SnmpdOutletAgent.SPduOutletCtl);

    private static SnmpClient Client(SnmpdOutletAgent agent, string? community = null) => new(new SnmpClientOptions
    {
        Host = "127.0.0.1",
        Port = agent.EndPoint.Port,
        Community = community ?? agent.WriteCommunity,
        Timeout = TimeSpan.FromMilliseconds(1000),
        Tries = 2,
    });

    [Fact]
    public async Task Get_SysDescrAndOutlet_ReturnsValues()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 4);
        await using var client = Client(agent, agent.ReadCommunity);
        agent.SetOutlet(2, false);

        var r = await client.GetAsync([Oid.Parse("1.3.6.1.2.1.1.1.0"), Column.Append(1), Column.Append(2)]);

        Assert.Equal(SnmpType.OctetString, r[0].Value.Type);
        Assert.Equal(1, r[1].Value.Integer);
        Assert.Equal(2, r[2].Value.Integer);
    }

    [Fact]
    public async Task Walk_OutletColumn_ReturnsEveryOutletInOrder()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 6);
        await using var client = Client(agent);

        var rows = await client.WalkAsync(Column);

        Assert.Equal(Enumerable.Range(1, 6).Select(i => Column.Append((uint)i)), rows.Select(r => r.Oid));
    }

    [Fact]
    public async Task Set_OutletOff_SnmpgetSeesIt()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 4);
        await using var client = Client(agent);

        await client.SetAsync([new VarBind(Column.Append(3), SnmpValue.FromInt(2))]);

        Assert.False(agent.IsOn(3));
        var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("snmpget", "snmp"),
            ["-v2c", "-c", "public", "-On", "-Oq", $"127.0.0.1:{agent.EndPoint.Port}", $"{Column}.3"], TimeSpan.FromSeconds(20));
        Assert.True(rc == 0, stderr);
        Assert.Equal($".{Column}.3 2", stdout.Trim());
    }

    [Fact]
    public async Task Get_AfterSnmpset_SeesIt()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 4, initiallyOn: false);
        await using var client = Client(agent);

        var (rc, _, stderr) = await PeerProcess.RunAsync(Peers.Require("snmpset", "snmp"),
            ["-v2c", "-c", "private", $"127.0.0.1:{agent.EndPoint.Port}", $"{Column}.4", "i", "1"], TimeSpan.FromSeconds(20));
        Assert.True(rc == 0, stderr);

        Assert.Equal(1, (await client.GetAsync([Column.Append(4)]))[0].Value.Integer);
    }

    [Fact]
    public async Task Set_ReadOnlyCommunity_FailsWithErrorStatus()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 2);
        await using var client = Client(agent, agent.ReadCommunity);

        var e = await Assert.ThrowsAsync<SnmpException>(() => client.SetAsync([new VarBind(Column.Append(1), SnmpValue.FromInt(2))]));

        Assert.Equal(SnmpErrorKind.ErrorStatus, e.Kind);
        Assert.True(agent.IsOn(1));
    }

    [Fact]
    public async Task Get_WrongCommunity_NoResponse()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 2);
        await using var client = Client(agent, "guess");

        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync([Column.Append(1)]));

        Assert.Equal(SnmpErrorKind.NoResponse, e.Kind);
        Assert.Contains("no answer to GetRequest after 2 tries", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MissingOutlet_NoSuchName()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 2);
        await using var client = Client(agent);

        var e = await Assert.ThrowsAsync<SnmpException>(() => client.GetAsync([Column.Append(9)]));

        Assert.Equal(SnmpErrorKind.NoSuchName, e.Kind);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{Column}.9"), e.Message, StringComparison.Ordinal);
    }
}
