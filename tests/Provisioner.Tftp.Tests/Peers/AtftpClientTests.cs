using Provisioner.TestKit.Tftp;
using Provisioner.Tftp.Server;

namespace Provisioner.Tftp.Tests.Peers;

[Trait("Area", "Tftp")]
[Trait("Peer", "atftp")]
public sealed class AtftpClientTests
{
    [Theory]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "atftp")]
    [InlineData(0, 512, 1)]
    [InlineData(511, 512, 1)]
    [InlineData(512, 512, 4)]
    [InlineData(513, 512, 16)]
    [InlineData(1024 * 1024, 1468, 1)]
    [InlineData(1024 * 1024, 1468, 16)]
    [InlineData(1024 * 1024, 1432, 64)]
    public async Task Get_WithBlksizeTsizeWindowsize_ChecksumsEqual(int size, int blockSize, int windowSize)
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("img/file.bin", size);
        var output = bed.OutputPath("out.bin");

        var result = await TftpClients.AtftpGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "img/file.bin", output,
            [("blksize", blockSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("tsize", "0"),
             ("windowsize", windowSize.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
        var ended = Assert.Single(await bed.WaitForEndedAsync(1));
        Assert.Equal((TftpTransferOutcome.Completed, blockSize, windowSize), (ended.Outcome, ended.BlockSize, ended.WindowSize));
        var channel = Assert.Single(bed.TransferChannels);
        Assert.False(channel.SegmentationRefused);
        // A window of two or more blocks goes out as offloaded runs; lock-step never does.
        Assert.Equal(windowSize > 1 && size >= blockSize, channel.SegmentedSends > 0);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "atftp")]
    public async Task Get_BlocksAboveTheLinkMtu_OffloadRefused_WindowsSentOneByOne_ChecksumsEqual()
    {
        // The veth's MTU is 1500 and nothing caps blksize in this bed, so 4000-byte blocks need IP fragments: the
        // kernel refuses to segment such a run, and the channel falls back to one datagram at a time.
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("big.bin", 200_000);
        var output = bed.OutputPath("out.bin");

        var result = await TftpClients.AtftpGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "big.bin", output,
            [("blksize", "4000"), ("windowsize", "8")]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
        Assert.Equal(TftpTransferOutcome.Completed, Assert.Single(await bed.WaitForEndedAsync(1)).Outcome);
        var channel = Assert.Single(bed.TransferChannels);
        Assert.Equal((true, 0L), (channel.SegmentationRefused, channel.SegmentedSends));
        Assert.Equal(0, bed.Server.GetCounters().Retransmissions);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "atftp")]
    public async Task Get_AbsurdBlksize_RefusedWithError8()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        bed.AddFile("f.bin", 100);

        var result = await TftpClients.AtftpGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "f.bin", bed.OutputPath("o"), [("blksize", "7")]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Option negotiation refused", result.Output, StringComparison.Ordinal);
        Assert.Equal(TftpTransferOutcome.OptionsRefused, Assert.Single(await bed.WaitForEndedAsync(1)).Outcome);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "atftp")]
    public async Task Get_TimeoutOption_AcknowledgedAndUsed()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("f.bin", 3000);
        var output = bed.OutputPath("o");

        var result = await TftpClients.AtftpGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "f.bin", output, [("timeout", "3"), ("blksize", "1000")]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "atftp")]
    public async Task Put_Refused_AccessViolation()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var local = bed.OutputPath("up.bin");
        await File.WriteAllTextAsync(local, "data");

        var program = Provisioner.TestKit.Peers.Require("atftp");
        var (rc, o, e) = await Provisioner.TestKit.PeerProcess.RunAsync(program,
            ["--put", "-r", "up.bin", "-l", local, bed.ServerAddress.ToString(), "69"], TimeSpan.FromSeconds(30), bed.ClientNs.Name);

        Assert.NotEqual(0, rc);
        Assert.Contains("Read-only server", o + e, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(bed.Root, "up.bin")));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "atftp")]
    public async Task Get_ClientKilledMidTransfer_TimedOutAndCleanedUp()
    {
        await using var bed = await NetnsTftpBed.StartAsync(new TftpServerOptions { Timeout = TimeSpan.FromMilliseconds(500), MaxRetries = 2 });
        bed.AddFile("big.bin", 64 * 1024 * 1024);
        var program = Provisioner.TestKit.Peers.Require("atftp");
        var client = bed.ClientNs.Start(program, "--get", "-r", "big.bin", "-l", bed.OutputPath("o"), bed.ServerAddress.ToString(), "69");
        await WaitUntilAsync(() => bed.Server.ActiveTransfers == 1 && bed.Server.GetCounters().BytesSent > 100_000);

        // SIGKILL: gone without a word, as a node that resets (on SIGTERM atftp would send an ERROR first).
        Provisioner.TestKit.PeerProcess.Signal(client.Pid, 9);
        Assert.True(await client.WaitForExitAsync(TimeSpan.FromSeconds(10)));

        var ended = Assert.Single(await bed.WaitForEndedAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(TftpTransferOutcome.TimedOut, ended.Outcome);
        Assert.True(ended.BytesSent < 64 * 1024 * 1024);
        Assert.Equal(0, bed.Server.ActiveTransfers);
        Assert.Equal(0, bed.Server.GetCounters().TransfersActive);
        await client.DisposeAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not reached");
            await Task.Delay(10);
        }
    }
}
