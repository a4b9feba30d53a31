using Provisioner.TestKit.Tftp;
using Provisioner.Tftp.Server;

namespace Provisioner.Tftp.Tests.Peers;

[Trait("Area", "Tftp")]
[Trait("Peer", "curl")]
public sealed class CurlClientTests
{
    [Theory]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "curl")]
    // No 0-byte case: curl 7.88 fails on an empty file with any server ("getpeername() failed", tftpd-hpa too).
    [InlineData(511, 512)]
    [InlineData(512, 512)]
    [InlineData(513, 512)]
    [InlineData(1024 * 1024, 1468)]
    [InlineData(100_000, 8)]
    public async Task Get_WithBlockSize_ChecksumsEqual(int size, int blockSize)
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("file.bin", size);
        var output = bed.OutputPath("out.bin");

        var result = await TftpClients.CurlGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "file.bin", output, blockSize);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
        var ended = Assert.Single(await bed.WaitForEndedAsync(1));
        Assert.Equal(TftpTransferOutcome.Completed, ended.Outcome);
        Assert.Equal(blockSize, ended.BlockSize);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "curl")]
    public async Task Get_NoOptions_Uses512ByteBlocks()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("file.bin", 5000);
        var output = bed.OutputPath("out.bin");

        var result = await TftpClients.CurlGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "file.bin", output, noOptions: true);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
        Assert.Equal(512, Assert.Single(await bed.WaitForEndedAsync(1)).BlockSize);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "curl")]
    public async Task Get_MissingFile_CurlExits68()
    {
        await using var bed = await NetnsTftpBed.StartAsync();

        var result = await TftpClients.CurlGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "nope.bin", bed.OutputPath("x"));

        Assert.True(result.ExitCode == 68, result.Output); // CURLE_TFTP_NOTFOUND
    }
}
