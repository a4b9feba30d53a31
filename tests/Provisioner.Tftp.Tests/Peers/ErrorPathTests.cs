using System.Net;
using Provisioner.Net;
using Provisioner.TestKit.Tftp;
using Provisioner.Tftp.Protocol;
using Provisioner.Tftp.Server;

namespace Provisioner.Tftp.Tests.Peers;

[Trait("Area", "Tftp")]
[Trait("Peer", "tftp-hpa")]
public sealed class ErrorPathTests
{
    [Theory]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    [InlineData("../secret")]
    [InlineData("..\\secret")]
    [InlineData("link-out")]
    [InlineData("dir")]
    public async Task Get_OutsideRootOrNotAFile_Error2(string name)
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(bed.Root)!, "secret"), "secret");
        File.CreateSymbolicLink(Path.Combine(bed.Root, "link-out"), "/etc/hostname");
        Directory.CreateDirectory(Path.Combine(bed.Root, "dir"));

        var result = await TftpClients.TftpHpaGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, name, bed.OutputPath("o"));

        Assert.Contains("Error code 2", result.Output, StringComparison.Ordinal);
        Assert.Equal(TftpTransferOutcome.AccessDenied, Assert.Single(await bed.WaitForEndedAsync(1)).Outcome);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    public async Task Put_Refused_Error2()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var local = bed.OutputPath("up.bin");
        await File.WriteAllTextAsync(local, "data");

        var program = Provisioner.TestKit.Peers.Require("tftp", "tftp-hpa");
        var (_, o, e) = await Provisioner.TestKit.PeerProcess.RunAsync(program,
            [bed.ServerAddress.ToString(), "69", "-c", "put", local, "up.bin"], TimeSpan.FromSeconds(30), bed.ClientNs.Name);

        Assert.Contains("Error code 2", o + e, StringComparison.Ordinal);
        Assert.Equal(1, bed.Server.GetCounters().ErrorsSent[TftpErrorCode.AccessViolation]);
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    public async Task Get_BackslashPath_NormalisedAndServed()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("EFI/BOOT/BOOTX64.EFI", 2000);
        var output = bed.OutputPath("o");

        await TftpClients.TftpHpaGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "EFI\\BOOT\\BOOTX64.EFI", output);

        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    public async Task Get_CaseInsensitiveRoot_WrongCaseServed()
    {
        var root = Directory.CreateTempSubdirectory("tftp-ci-").FullName;
        try
        {
            await using var bed = await NetnsTftpBed.StartAsync(directory: new Provisioner.Tftp.Files.DirectoryFileSourceOptions { Root = root, CaseInsensitive = true });
            await File.WriteAllTextAsync(Path.Combine(root, "pxelinux.0"), "loader");
            var output = bed.OutputPath("o");

            await TftpClients.TftpHpaGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "PXELINUX.0", output);

            Assert.Equal("loader", await File.ReadAllTextAsync(output));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    [Trait("Area", "Tftp")]
    [Trait("Peer", "tftp-hpa")]
    public async Task Packet_FromWrongPortDuringRealTransfer_Error5AndDownloadIntact()
    {
        await using var bed = await NetnsTftpBed.StartAsync();
        var sha = bed.AddFile("f.bin", 4 * 1024 * 1024);
        var output = bed.OutputPath("o");
        var download = TftpClients.TftpHpaGetAsync(bed.ClientNs.Name, bed.ServerAddress, bed.Port, "f.bin", output);
        var until = DateTime.UtcNow.AddSeconds(20);
        while (bed.TransferEndPoints.IsEmpty)
        {
            Assert.True(DateTime.UtcNow < until, "no transfer started");
            await Task.Delay(5);
        }

        bed.TransferEndPoints.TryPeek(out var transferPort);
        await using var stranger = bed.ClientNs.RunInside(() => new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Parse("198.18.10.2"), 0) }));
        await stranger.SendAsync(transferPort!, new byte[] { 0, 4, 0, 1 }, CancellationToken.None);
        var buffer = new byte[600];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = await stranger.ReceiveAsync(buffer, cts.Token);

        Assert.Equal(transferPort, reply.Remote);
        Assert.Equal(TftpErrorCode.UnknownTransferId, TftpPacketReader.ReadError(buffer.AsSpan(0, reply.Length)).Code);
        await download;
        Assert.Equal(sha, NetnsTftpBed.Sha256Of(output));
        Assert.Equal(TftpTransferOutcome.Completed, Assert.Single(await bed.WaitForEndedAsync(1)).Outcome);
    }
}
