using Provisioner.Core.Power;
using Provisioner.Power.SnmpPdu;
using Provisioner.Snmp;
using Provisioner.TestKit.Snmp;

namespace Provisioner.Power.Tests;

/// <summary>The snmp-pdu driver through the runner against a real snmpd serving sPDUOutletCtl.</summary>
[Trait("Area", "Power")]
[Trait("Peer", "snmpd")]
public sealed class SnmpPduDriverTests
{
    private static readonly PowerActionRunnerOptions Fast = new()
    {
        FirstPollInterval = TimeSpan.FromMilliseconds(50),
        VerifyTimeout = TimeSpan.FromSeconds(5),
        MinCommandInterval = TimeSpan.Zero,
    };

    private static PowerTarget Target(SnmpdOutletAgent agent, string outlets, string? community = null, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string> { ["outlets"] = outlets, ["timeout_ms"] = "1000", ["tries"] = "2" };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }

        return new PowerTarget
        {
            Driver = "snmp-pdu", Address = "127.0.0.1", Port = agent.EndPoint.Port, Secret = community ?? agent.WriteCommunity,
            NodeName = "dual-psu-node", Settings = settings,
        };
    }

    [Fact]
    public async Task Runner_DualOutlets_BothSwitchedAndConfirmed()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 8, initiallyOn: false);
        await using var driver = new SnmpPduPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);
        var target = Target(agent, "3,4");

        var on = await runner.ApplyAsync(target, PowerAction.On);
        Assert.True(on.Confirmed);
        Assert.True(agent.IsOn(3) && agent.IsOn(4));
        Assert.False(agent.IsOn(5));

        var off = await runner.ApplyAsync(target, PowerAction.Off);
        Assert.True(off.Confirmed);
        Assert.False(agent.IsOn(3) || agent.IsOn(4));
    }

    [Fact]
    public async Task Query_OneFeedStillOn_ReportsOn()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 4, initiallyOn: false);
        await using var driver = new SnmpPduPowerDriver();
        agent.SetOutlet(2, true);

        Assert.Equal(PowerState.On, await driver.QueryAsync(Target(agent, "1,2"), CancellationToken.None));
        Assert.Equal(PowerState.Off, await driver.QueryAsync(Target(agent, "1,3"), CancellationToken.None));
    }

    [Fact]
    public async Task Cycle_RebootCommand_SentToEveryOutlet()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 4);
        await using var driver = new SnmpPduPowerDriver();
        var runner = new PowerActionRunner(new PowerDriverRegistry([driver]), Fast);

        var result = await runner.ApplyAsync(Target(agent, "1,2"), PowerAction.Cycle);

        Assert.True(result.Confirmed);
        Assert.Contains("outlet 1 set 3", agent.EventsLog, StringComparison.Ordinal);
        Assert.Contains("outlet 2 set 3", agent.EventsLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_CustomModelOids_UsesThem()
    {
        const string column = "1.3.6.1.4.1.99999.1.2.3";
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 2, initiallyOn: true, column: column);
        await using var driver = new SnmpPduPowerDriver();
        var target = Target(agent, "2", extra: new() { ["pdu_model"] = "custom", ["control_oid"] = column, ["reboot_value"] = "0" });

        await driver.ApplyAsync(target, PowerAction.Off, CancellationToken.None);

        Assert.False(agent.IsOn(2));
        Assert.Equal(PowerState.Off, await driver.QueryAsync(target, CancellationToken.None));
    }

    [Fact]
    public async Task Apply_ReadOnlyCommunity_CredentialsRejected()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 2);
        await using var driver = new SnmpPduPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.ApplyAsync(Target(agent, "1", agent.ReadCommunity), PowerAction.Off, CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.CredentialsRejected, e.Kind);
        Assert.True(agent.IsOn(1));
    }

    [Fact]
    public async Task Query_OutletMissing_Misconfigured()
    {
        await using var agent = await SnmpdOutletAgent.StartAsync(outlets: 2);
        await using var driver = new SnmpPduPowerDriver();

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(Target(agent, "7"), CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.Misconfigured, e.Kind);
        Assert.Contains("wrong outlet number", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The snmp-pdu driver over an in-memory outlet table (no sockets).</summary>
[Trait("Area", "Power")]
public sealed class SnmpPduDriverUnitTests
{
    private static PowerTarget Target(string outlets, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string> { ["outlets"] = outlets };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }

        return new PowerTarget { Driver = "snmp-pdu", Address = "pdu-a", Secret = "private", Settings = settings };
    }

    [Fact]
    public async Task Apply_OutletsOnTwoPdus_EachPduGetsOneSet()
    {
        var pdus = new Dictionary<string, MemoryOutlets>();
        await using var driver = new SnmpPduPowerDriver((host, port, _, _) => pdus.TryGetValue(host, out var p) ? p : pdus[host] = new MemoryOutlets());

        await driver.ApplyAsync(Target("3,pdu-b:161/3"), PowerAction.On, CancellationToken.None);

        Assert.Equal(1, pdus["pdu-a"].Sets);
        Assert.Equal(1, pdus["pdu-b"].Sets);
        Assert.Equal(1, pdus["pdu-a"].Values[3]);
        Assert.Equal(1, pdus["pdu-b"].Values[3]);
    }

    [Fact]
    public async Task Query_UnexpectedStatusValue_ProtocolError()
    {
        var pdu = new MemoryOutlets();
        pdu.Values[1] = 7;
        await using var driver = new SnmpPduPowerDriver((_, _, _, _) => pdu);

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(Target("1"), CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.ProtocolError, e.Kind);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("x")]
    [InlineData("")]
    public async Task Query_BadOutletSetting_Misconfigured(string outlets)
    {
        await using var driver = new SnmpPduPowerDriver((_, _, _, _) => new MemoryOutlets());

        var e = await Assert.ThrowsAsync<PowerException>(() => driver.QueryAsync(Target(outlets), CancellationToken.None).AsTask());

        Assert.Equal(PowerErrorKind.Misconfigured, e.Kind);
    }

    [Fact]
    public void PduModel_ApcRpdu_UsesSeparateStatusColumn()
    {
        var model = PduModel.For(Target("1", new() { ["pdu_model"] = "apc-rpdu" }));

        Assert.Equal("1.3.6.1.4.1.318.1.1.12.3.3.1.1.4", model.ControlColumn.ToString());
        Assert.Equal("1.3.6.1.4.1.318.1.1.12.3.5.1.1.4", model.StatusColumn.ToString());
    }

    private sealed class MemoryOutlets : ISnmpClient
    {
        public Dictionary<uint, long> Values { get; } = [];

        public int Sets { get; private set; }

        public Task<IReadOnlyList<VarBind>> GetAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<VarBind>>(oids.Select(o => new VarBind(o, new SnmpValue(SnmpType.Integer, Values.GetValueOrDefault(o.Arcs[^1], 2)))).ToList());

        public Task<IReadOnlyList<VarBind>> GetNextAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<VarBind>> SetAsync(IReadOnlyList<VarBind> binds, CancellationToken cancellationToken = default)
        {
            Sets++;
            foreach (var b in binds)
            {
                Values[b.Oid.Arcs[^1]] = b.Value.Integer;
            }

            return Task.FromResult(binds);
        }
    }
}
