using Provisioner.TestKit.Tftp;
using Provisioner.Tftp.Server;

namespace Provisioner.Tftp.Tests.Peers;

[Trait("Area", "Tftp")]
[Trait("Peer", "tftp-hpa")]
public sealed class TftpHpaClientTests
{
    [Theory]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    [InlineData(0)]
    [InlineData(511)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(1024 * 1024)]
    public async Task Get_OctetFileOfBoundarySize_ChecksumsEqual(int size)
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("boot/file.bin", size);
        var output = bed.OutputPath("out.bin");

        var result = await TftpClients.TftpHpaGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "boot/file.bin", output);

        Assert.True(File.Exists(output), result.Output);
        Assert.Equal(size, new FileInfo(output).Length);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
        var ended = Assert.Single(await bed.WaitForEndedAsync(1));
        Assert.Equal(TftpTransferOutcome.Completed, ended.Outcome);
        Assert.Equal(size, ended.BytesSent);
        Assert.Equal(512, ended.BlockSize);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    public async Task Get_MissingFile_ClientReportsError1()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var output = bed.OutputPath("missing.bin");

        var result = await TftpClients.TftpHpaGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "no/such/file", output);

        Assert.Contains("Error code 1", result.Stdout + result.Stderr, StringComparison.Ordinal);
        var ended = Assert.Single(await bed.WaitForEndedAsync(1));
        Assert.Equal(TftpTransferOutcome.NotFound, ended.Outcome);
        Assert.Equal(1, bed.Server.GetCounters().ErrorsSent[Provisioner.Tftp.Protocol.TftpErrorCode.FileNotFound]);
    }
}
