using Provisioner.Imaging.Progress;
using Provisioner.Imaging.Tests.Support;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests;

[Trait("Area", "Imaging")]
public sealed class ProgressMeterTests
{
    [Fact]
    public async Task Sample_OnTimer_ReportsRateAndEtaFromVirtualClock()
    {
        var clock = new ManualTimeProvider();
        var sink = new Recorder();
        await using var meter = new ProgressMeter(sink, clock, TimeSpan.FromSeconds(1), total: 1000, chunksTotal: 0)
        {
            Phase = ImagePhase.Transferring,
        };

        meter.AddDone(100);
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.AddDone(300);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(2, sink.Reports.Count);
        Assert.Equal(100, sink.Reports[0].BytesPerSecond, 3);
        Assert.Equal(300, sink.Reports[1].BytesPerSecond, 3);
        Assert.Equal(400, sink.Reports[1].BytesDone);
        Assert.Equal(TimeSpan.FromSeconds(2), sink.Reports[1].Eta);
        Assert.Equal(40.0, sink.Reports[1].Percent!.Value, 3);
    }

    [Fact]
    public async Task Sample_Stalled_ReportsZeroRateAndNoEta()
    {
        var clock = new ManualTimeProvider();
        var sink = new Recorder();
        await using var meter = new ProgressMeter(sink, clock, TimeSpan.FromSeconds(2), total: 1000, chunksTotal: 3);

        meter.AddDone(10);
        clock.Advance(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(0, sink.Reports[^1].BytesPerSecond);
        Assert.Null(sink.Reports[^1].Eta);
        Assert.Equal(3, sink.Reports[^1].ChunksTotal);
    }
}
