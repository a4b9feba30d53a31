using Provisioner.TestKit.Tftp;
using Provisioner.Tftp.Server;

namespace Provisioner.Tftp.Tests.Peers;

[Trait("Area", "Tftp")]
[Trait("Peer", "tftp-hpa")]
[Trait("Peer", "atftp")]
[Trait("Peer", "curl")]
public sealed class LargeFileTests
{
    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    [Trait("Peer", "atftp")]
    [Trait("Peer", "curl")]
    public async Task Get_100MiB_EveryClient_ChecksumsEqualAndBlocksRollOver()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("initrd.img", 100 * 1024 * 1024);
        var ns = bed.ClientNs.Name;

        // tftp-hpa: 512-byte blocks, 204,801 of them: the block number wraps three times.
        var hpa = bed.OutputPath("hpa.img");
        var r1 = await TftpClients.TftpHpaGetAsync(ns, bed.ServerAddress, bed.Port, "initrd.img", hpa, timeout: TimeSpan.FromMinutes(3));
        Assert.True(File.Exists(hpa), r1.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(hpa));
        File.Delete(hpa);

        var atftp = bed.OutputPath("atftp.img");
        var r2 = await TftpClients.AtftpGetAsync(ns, bed.ServerAddress, bed.Port, "initrd.img", atftp, [("blksize", "1468"), ("windowsize", "16"), ("tsize", "0")]);
        Assert.True(r2.ExitCode == 0, r2.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(atftp));
        File.Delete(atftp);

        var curl = bed.OutputPath("curl.img");
        var r3 = await TftpClients.CurlGetAsync(ns, bed.ServerAddress, bed.Port, "initrd.img", curl, 1468);
        Assert.True(r3.ExitCode == 0, r3.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(curl));

        var ended = await bed.WaitForEndedAsync(3);
        Assert.All(ended, e => Assert.Equal((TftpTransferOutcome.Completed, 100L * 1024 * 1024), (e.Outcome, e.BytesSent)));
    }
}
