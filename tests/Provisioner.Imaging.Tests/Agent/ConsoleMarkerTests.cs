using System.Text;
using Provisioner.Agent.Diagnostics;
using Provisioner.TestKit.LiveImage;

namespace Provisioner.Imaging.Tests.Agent;

[Trait("Area", "Agent")]
public sealed class ConsoleMarkerTests
{
    [Fact]
    public void Emit_ValuesWithSpacesAndQuotes_RoundTripThroughConsoleEventParser()
    {
        var output = new StringWriter();
        var events = new ConsoleEvents(output, () => 12.5);

        events.Emit("error", ("step", "write-image"), ("msg", "sha256 mismatch: \"x\" = y\nnext"), ("skipped", null), ("n", 42));

        var line = output.ToString().TrimEnd();
        Assert.StartsWith("PROVISIONER-EVENT error step=write-image msg=", line, StringComparison.Ordinal);
        var e = ConsoleEvent.TryParse(line, TimeSpan.Zero);
        Assert.NotNull(e);
        Assert.Equal("error", e.Name);
        Assert.Equal("write-image", e["step"]);
        Assert.Equal("sha256 mismatch: \"x\" = y next", e["msg"]);
        Assert.Equal("42", e["n"]);
        Assert.Equal("12.50", e["uptime"]);
        Assert.Null(e["skipped"]);
    }

    [Fact]
    public void TryParse_OrdinaryKernelLine_ReturnsNull()
    {
        Assert.Null(ConsoleEvent.TryParse("[    1.234] virtio_net virtio0 eth0: renamed", TimeSpan.Zero));
    }

    [Fact]
    public void Follower_EscapeSequencesSpinnerAndCarriageReturns_AreStripped()
    {
        var follower = new SerialLogFollower();
        var raw = "\u001bc\u001b[2J\u001b[?7l\u001b[=3hSeaBIOS (version 1.16)\r\n" +
                  "Configuring (net0 52:54:00:12:34:56)...|\b/\b-\b ok\r\n" +
                  "\u001b(BPROVISIONER-EVENT hello node=n1 hostname=\"a b\" uptime=3.10\r\npartial";

        follower.Feed(Encoding.ASCII.GetBytes(raw));
        follower.Complete();

        Assert.Equal(["SeaBIOS (version 1.16)", "Configuring (net0 52:54:00:12:34:56)... ok", "PROVISIONER-EVENT hello node=n1 hostname=\"a b\" uptime=3.10", "partial"],
            follower.Lines.Select(l => l.Text));
        var e = Assert.Single(follower.Events);
        Assert.Equal("a b", e["hostname"]);
    }

    [Fact]
    public async Task WaitForAsync_EventArrivesInPieces_ReturnsIt()
    {
        var follower = new SerialLogFollower();
        var wait = follower.WaitForAsync("facts-sent", TimeSpan.FromSeconds(10));

        follower.Feed("PROVISIONER-EVENT hello node=n1\nPROVISIONER-EVENT fac"u8);
        Assert.False(wait.IsCompleted);
        follower.Feed("ts-sent disks=1 nics=1\n"u8);

        var e = await wait;
        Assert.Equal("1", e["disks"]);
    }

    [Fact]
    public async Task WaitForAsync_ConsoleEndsFirst_FailsWithTail()
    {
        var follower = new SerialLogFollower();
        follower.Feed("Kernel panic - not syncing: VFS\n"u8);
        follower.Complete();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => follower.WaitForAsync("hello", TimeSpan.FromSeconds(10)));
        Assert.Contains("Kernel panic", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LogTail_MoreLinesThanCapacity_KeepsTheLast()
    {
        var tail = new LogTail(capacity: 3);
        foreach (var i in Enumerable.Range(1, 5))
        {
            tail.Add($"line {i}");
        }

        Assert.Equal(["line 3", "line 4", "line 5"], tail.Last(10));
        Assert.Equal(["line 1", "line 2", "line 3"], tail.TakeUnsent());
        Assert.Empty(tail.TakeUnsent());
    }
}
