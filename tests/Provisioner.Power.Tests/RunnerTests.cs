using Provisioner.Core.Power;
using Provisioner.Power.Fake;
using Provisioner.Power.Manual;
using Provisioner.Power.SnmpPdu;
using Provisioner.TestKit;

namespace Provisioner.Power.Tests;

[Trait("Area", "Power")]
public sealed class RunnerTests
{
    private static readonly PowerTarget Node = new() { Driver = "fake", Address = "10.0.4.21", NodeName = "node-1" };
    private readonly ManualTimeProvider _time = new();
    private readonly FakePowerDriver _fake = new();

    private PowerActionRunner Runner(PowerActionRunnerOptions? options = null, params IPowerDriver[] more) =>
        new(new PowerDriverRegistry([_fake, .. more]), options, _time);

    [Fact]
    public async Task Apply_On_ConfirmedByReadBack()
    {
        var result = await VirtualTime.RunAsync(_time, () => Runner().ApplyAsync(Node, PowerAction.On));

        Assert.True(result.Confirmed);
        Assert.Equal(PowerState.On, result.State);
        Assert.Equal(1, result.Attempts);
        Assert.StartsWith("power on confirmed: on after", result.Message, StringComparison.Ordinal);
        Assert.Equal(PowerState.On, _fake.GetState("node-1"));
    }

    [Fact]
    public async Task Apply_AlreadyInState_SendsNothing()
    {
        _fake.SetState("node-1", PowerState.Off);

        var result = await VirtualTime.RunAsync(_time, () => Runner().ApplyAsync(Node, PowerAction.Off));

        Assert.True(result.Confirmed);
        Assert.Equal(0, result.Attempts);
        Assert.Equal("power off: already off", result.Message);
        Assert.DoesNotContain(_fake.Log, l => l.Command == "Off");
    }

    [Fact]
    public async Task Apply_BmcSaysOkButNothingChanges_NotConfirmedError()
    {
        _fake.IgnoreCommands = true;
        var options = new PowerActionRunnerOptions { VerifyTimeout = TimeSpan.FromSeconds(10) };

        var e = await Assert.ThrowsAsync<PowerException>(() => VirtualTime.RunAsync(_time, () => Runner(options).ApplyAsync(Node, PowerAction.On)));

        Assert.Equal(PowerErrorKind.NotConfirmed, e.Kind);
        Assert.False(e.IsTransient);
        Assert.Contains("power on was accepted but the node is not on after", e.Message, StringComparison.Ordinal);
        Assert.Equal(2, _fake.Log.Count(l => l.Command == "On")); // sent, then sent once more
    }

    [Fact]
    public async Task Apply_SlowBmc_ConfirmedAfterSeveralReadBacks()
    {
        _fake.StaleReadsAfterAction = 3;

        var result = await VirtualTime.RunAsync(_time, () => Runner().ApplyAsync(Node, PowerAction.Cycle));

        Assert.True(result.Confirmed);
        Assert.Equal(1, result.Attempts);
        Assert.True(_fake.Log.Count(l => l.Command == "query") >= 4);
    }

    [Fact]
    public async Task Apply_TransientFailure_Retried()
    {
        _fake.SetState("node-1", PowerState.On);
        _fake.FailNext = new PowerException("BMC busy", PowerErrorKind.Busy, isTransient: true);
        var retried = await VirtualTime.RunAsync(_time, () => Runner().ApplyAsync(Node, PowerAction.Reset));

        Assert.True(retried.Confirmed);
        Assert.Equal(2, retried.Attempts);
    }

    [Fact]
    public async Task Apply_CredentialsRejected_StopsAtOnce()
    {
        _fake.FailAlways = new PowerException("BMC 10.0.4.21: credentials rejected for user admin (RAKP status 0x0d)", PowerErrorKind.CredentialsRejected, false);

        var e = await Assert.ThrowsAsync<PowerException>(() => VirtualTime.RunAsync(_time, () => Runner().ApplyAsync(Node, PowerAction.On)));

        Assert.Equal(PowerErrorKind.CredentialsRejected, e.Kind);
        Assert.Single(_fake.Log);
    }

    [Fact]
    public async Task Apply_DriverLacksCapability_Unsupported()
    {
        var pdu = Node with { Driver = "snmp-pdu", Settings = new Dictionary<string, string> { ["outlets"] = "1" } };

        var e = await Assert.ThrowsAsync<PowerException>(() => Runner(null, new SnmpPduPowerDriver()).ApplyAsync(pdu, PowerAction.SoftOff));

        Assert.Equal(PowerErrorKind.Unsupported, e.Kind);
        Assert.Contains("driver snmp-pdu cannot soft power off", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ManualDriver_CreatesOperatorRequestWithoutWaiting()
    {
        var sink = new RecordingSink();
        var manual = Node with { Driver = "manual", Settings = new Dictionary<string, string> { ["instructions"] = "rack 4, U12" } };

        var result = await Runner(null, new ManualPowerDriver(sink, _time)).ApplyAsync(manual, PowerAction.On);

        Assert.False(result.Confirmed);
        var request = Assert.Single(sink.Requests);
        Assert.Equal(PowerAction.On, request.Action);
        Assert.Equal("power on", request.What);
        Assert.Equal("rack 4, U12", request.Instructions);
    }

    [Fact]
    public async Task Commands_SameEndpoint_SpacedByMinimumInterval()
    {
        var options = new PowerActionRunnerOptions { MinCommandInterval = TimeSpan.FromSeconds(2) };
        var runner = Runner(options);
        var stamps = new List<DateTimeOffset>();

        await VirtualTime.RunAsync(_time, async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await runner.QueryAsync(Node);
                stamps.Add(_time.GetUtcNow());
            }
        });

        Assert.True(stamps[1] - stamps[0] >= TimeSpan.FromSeconds(2));
        Assert.True(stamps[2] - stamps[1] >= TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task SetBootDevice_Fake_StoredAndReadBack()
    {
        var runner = Runner();
        var setting = new BootDeviceSetting(BootDevice.Pxe, Persistent: false, BootMode.Uefi);

        await VirtualTime.RunAsync(_time, () => runner.SetBootDeviceAsync(Node, setting));

        Assert.Equal(setting, await VirtualTime.RunAsync(_time, () => runner.GetBootDeviceAsync(Node)));
    }

    [Fact]
    public void Registry_UnknownDriver_Misconfigured()
    {
        var registry = new PowerDriverRegistry([_fake]);

        var e = Assert.Throws<PowerException>(() => registry.Get("wol"));

        Assert.Equal(PowerErrorKind.Misconfigured, e.Kind);
        Assert.Contains("known: fake", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_DuplicateNames_Rejected()
    {
        Assert.Throws<ArgumentException>(() => new PowerDriverRegistry([_fake, new FakePowerDriver()]));
    }

    [Fact]
    public void Registry_Validate_ReportsMissingRequiredSetting()
    {
        var registry = new PowerDriverRegistry([new SnmpPduPowerDriver()]);

        var problems = registry.Validate(new PowerTarget { Driver = "snmp-pdu", Address = "pdu1" });

        Assert.Contains(problems, p => p.Contains("'outlets'", StringComparison.Ordinal));
    }

    internal sealed class RecordingSink : IOperatorRequestSink
    {
        public List<OperatorRequest> Requests { get; } = [];

        public ValueTask SubmitAsync(OperatorRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return ValueTask.CompletedTask;
        }

        public ValueTask<PowerState> GetConfirmedStateAsync(PowerTarget target, CancellationToken cancellationToken) => ValueTask.FromResult(PowerState.Unknown);
    }
}
