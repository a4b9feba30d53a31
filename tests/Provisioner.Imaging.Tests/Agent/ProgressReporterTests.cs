using System.Collections.Concurrent;
using Provisioner.Agent;
using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Protocol;
using Provisioner.Agent.Tasks;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests.Agent;

[Trait("Area", "Agent")]
public sealed class ProgressReporterTests
{
    [Fact]
    public async Task Report_ManyUpdatesWithinASecond_SendsFirstThenOncePerIntervalWithRateAndEta()
    {
        var time = new ManualTimeProvider();
        var sent = new ConcurrentQueue<TaskProgress>();
        var console = new StringWriter();
        var reporter = new ProgressReporter(time, (p, _) => { sent.Enqueue(p); return Task.CompletedTask; }, new ConsoleEvents(console, () => 0));
        reporter.Reset("write-image");

        reporter.Report(0, 1000);                 // first: always reported
        time.Advance(TimeSpan.FromMilliseconds(400));
        reporter.Report(40, 1000);                // within the interval: dropped
        time.Advance(TimeSpan.FromMilliseconds(600));
        reporter.Report(100, 1000);               // 1 s after the first: 100 B/s, 9 s left
        time.Advance(TimeSpan.FromMilliseconds(100));
        reporter.Report(1000, 1000);              // completion: always reported
        await reporter.DisposeAsync();

        Assert.Equal(3, reporter.Reported);
        var last = sent.Last();
        Assert.Equal(new TaskProgress("write-image", 1000, 1000, 9000, 0, null), last);
        Assert.Contains("PROVISIONER-EVENT progress step=write-image done=1000 total=1000", console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_RateAndEta_ComputedOverTheLastInterval()
    {
        var time = new ManualTimeProvider();
        var reports = new List<TaskProgress>();
        var gate = new SemaphoreSlim(0);
        var reporter = new ProgressReporter(time, (p, _) => { lock (reports) { reports.Add(p); } gate.Release(); return Task.CompletedTask; }, new ConsoleEvents(TextWriter.Null, () => 0));
        reporter.Reset("wipe-full");

        reporter.Report(0, 10_000);
        await gate.WaitAsync(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromSeconds(2));
        reporter.Report(2_000, 10_000);
        await gate.WaitAsync(TimeSpan.FromSeconds(5));
        await reporter.DisposeAsync();

        var p = reports.Last();
        Assert.Equal(1000, p.BytesPerSecond);
        Assert.Equal(8, p.EtaSeconds);
    }

    [Fact]
    public async Task Report_SenderFails_DoesNotThrowIntoTheWriter()
    {
        var time = new ManualTimeProvider();
        var reporter = new ProgressReporter(time, (_, _) => throw new ApplianceException("down"), new ConsoleEvents(TextWriter.Null, () => 0));

        reporter.Report(1, 2);
        await reporter.DisposeAsync();

        Assert.Equal(1, reporter.Reported);
    }
}
