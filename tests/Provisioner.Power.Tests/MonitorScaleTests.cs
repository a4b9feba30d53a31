using System.Diagnostics;
using Provisioner.Core.Power;
using Provisioner.Power.Ipmi;
using Provisioner.Power.Monitor;
using Provisioner.TestKit.Ipmi;

namespace Provisioner.Power.Tests;

/// <summary>1,000 RMCP+ BMCs (TestKit FakeBmc on loopback) polled by the monitor through the ipmi driver.</summary>
[Trait("Area", "Power")]
public sealed class MonitorScaleTests
{
    [Fact]
    public async Task RunOnce_1000Bmcs_PolledWithin30Seconds()
    {
        const int count = 1000;
        var bmcs = new List<FakeBmc>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                bmcs.Add(new FakeBmc(new FakeChassis(powerOn: i % 3 == 0)));
            }

            var targets = bmcs.Select((b, i) => new PowerTarget
            {
                Driver = "ipmi",
                Address = "127.0.0.1",
                Port = b.EndPoint.Port,
                Username = "admin",
                Secret = "password",
                NodeName = $"node-{i}",
                Settings = new Dictionary<string, string> { ["cipher_suite"] = "17", ["timeout_ms"] = "2000" },
            }).ToList();
            await using var driver = new IpmiPowerDriver();
            var observer = new MonitorTests.RecordingObserver();
            var monitor = new PowerMonitor(new MonitorTests.ListSource(targets), new PowerDriverRegistry([driver]), observer,
                new PowerMonitorOptions { MaxParallelism = 128, QueryTimeout = TimeSpan.FromSeconds(10) });

            var clock = Stopwatch.StartNew();
            var first = await monitor.RunOnceAsync(CancellationToken.None);
            var firstElapsed = clock.Elapsed;
            clock.Restart();
            ((FakeChassis)bmcs[1].Chassis).SetPower(true);
            var second = await monitor.RunOnceAsync(CancellationToken.None);
            var secondElapsed = clock.Elapsed;

            Assert.Equal(count, first.Polled);
            Assert.Equal(0, first.Failed);
            Assert.True(firstElapsed < TimeSpan.FromSeconds(30), $"first round (new sessions) took {firstElapsed.TotalSeconds:0.0} s");
            Assert.True(secondElapsed < TimeSpan.FromSeconds(30), $"second round (sessions reused) took {secondElapsed.TotalSeconds:0.0} s");
            Assert.Equal(count / 3 + 1, observer.Changes.Count(c => c.Current == PowerState.On && c.Previous == PowerState.Unknown));
            var change = Assert.Single(observer.Changes, c => c.Previous == PowerState.Off);
            Assert.Equal("node-1", change.Target.NodeName);
            Assert.Equal(0, second.Failed);
            Assert.Equal(count, driver.Counters.Snapshot().SessionsOpened);
        }
        finally
        {
            foreach (var b in bmcs)
            {
                await b.DisposeAsync();
            }
        }
    }
}
