using Provisioner.Core.Power;
using Provisioner.Power.Fake;
using Provisioner.Power.Monitor;
using Provisioner.TestKit;

namespace Provisioner.Power.Tests;

[Trait("Area", "Power")]
public sealed class MonitorTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly FakePowerDriver _fake = new();
    private readonly RecordingObserver _observer = new();

    private PowerMonitor Monitor(IReadOnlyList<PowerTarget> targets, PowerMonitorOptions? options = null) =>
        new(new ListSource(targets), new PowerDriverRegistry([_fake]), _observer, options, _time);

    private static PowerTarget Node(int i) => new() { Driver = "fake", Address = $"10.0.4.{i}", NodeName = $"node-{i}" };

    [Fact]
    public async Task RunOnce_FirstRound_ReportsEveryNode()
    {
        _fake.SetState("node-2", PowerState.On);
        var monitor = Monitor([Node(1), Node(2)]);

        var round = await monitor.RunOnceAsync(CancellationToken.None);

        Assert.Equal(2, round.Polled);
        Assert.Equal(2, round.Changed);
        Assert.Contains(_observer.Changes, c => c.Target.NodeName == "node-2" && c.Current == PowerState.On && c.Previous == PowerState.Unknown);
    }

    [Fact]
    public async Task RunOnce_NoChange_ReportsNothing_ThenChange_ReportsIt()
    {
        var monitor = Monitor([Node(1)]);
        await monitor.RunOnceAsync(CancellationToken.None);
        _observer.Changes.Clear();

        await monitor.RunOnceAsync(CancellationToken.None);
        Assert.Empty(_observer.Changes);

        _fake.SetState("node-1", PowerState.On);
        await monitor.RunOnceAsync(CancellationToken.None);
        var change = Assert.Single(_observer.Changes);
        Assert.Equal((PowerState.Off, PowerState.On), (change.Previous, change.Current));
    }

    [Fact]
    public async Task RunOnce_FailingEndpoint_ReportedOnceAndBackedOff()
    {
        var monitor = Monitor([Node(1)], new PowerMonitorOptions { BackoffBase = TimeSpan.FromSeconds(30), BackoffMax = TimeSpan.FromMinutes(2) });
        await monitor.RunOnceAsync(CancellationToken.None);
        _observer.Changes.Clear();
        _fake.FailAlways = new PowerException("no answer", PowerErrorKind.NoResponse, true);

        var failed = await monitor.RunOnceAsync(CancellationToken.None);
        var skipped = await monitor.RunOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(31));
        var retried = await monitor.RunOnceAsync(CancellationToken.None);
        var skippedLonger = await monitor.RunOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(31));
        var stillSkipped = await monitor.RunOnceAsync(CancellationToken.None); // second failure doubled the wait to 60 s

        Assert.Equal(1, failed.Failed);
        Assert.Equal(1, skipped.SkippedBackoff);
        Assert.Equal(1, retried.Failed);
        Assert.Equal(1, skippedLonger.SkippedBackoff);
        Assert.Equal(1, stillSkipped.SkippedBackoff);
        var change = Assert.Single(_observer.Changes);
        Assert.Equal(PowerState.Unknown, change.Current);
        Assert.NotNull(change.Error);

        _fake.FailAlways = null;
        _time.Advance(TimeSpan.FromMinutes(1));
        await monitor.RunOnceAsync(CancellationToken.None);
        Assert.Equal(PowerState.Off, _observer.Changes[^1].Current);
        Assert.Null(_observer.Changes[^1].Error);
    }

    [Fact]
    public async Task RunAsync_Schedule_PollsEveryInterval()
    {
        var monitor = Monitor([Node(1)], new PowerMonitorOptions { Interval = TimeSpan.FromSeconds(10) });
        using var cts = new CancellationTokenSource();
        var run = monitor.RunAsync(cts.Token);

        for (var i = 0; i < 3; i++)
        {
            await WaitForQueriesAsync(i + 1);
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        await WaitForQueriesAsync(4);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, _fake.Log.Count(l => l.Command == "query"));
    }

    private async Task WaitForQueriesAsync(int n)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (_fake.Log.Count(l => l.Command == "query") < n && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
    }

    internal sealed class ListSource(IReadOnlyList<PowerTarget> targets) : IPowerTargetSource
    {
        public ValueTask<IReadOnlyList<PowerTarget>> GetTargetsAsync(CancellationToken cancellationToken) => ValueTask.FromResult(targets);
    }

    internal sealed class RecordingObserver : IPowerStateObserver
    {
        public List<PowerStateChange> Changes { get; } = [];

        public ValueTask OnPowerStateChangedAsync(PowerStateChange change, CancellationToken cancellationToken)
        {
            lock (Changes)
            {
                Changes.Add(change);
            }

            return ValueTask.CompletedTask;
        }
    }
}
