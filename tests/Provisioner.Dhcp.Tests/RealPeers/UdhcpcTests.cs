using System.Net;
using Provisioner.Dhcp.Leases;
using Provisioner.Dhcp.Scopes;
using Provisioner.TestKit;
using Provisioner.TestKit.Dhcp;

namespace Provisioner.Dhcp.Tests.RealPeers;

[Trait("Area", "Dhcp")]
[Trait("Peer", "udhcpc")]
public sealed class UdhcpcTests
{
    private const string Script = "#!/bin/sh\necho \"EVENT=$1 ip=$ip siaddr=$siaddr boot_file=$boot_file router=$router dns=$dns domain=$domain lease=$lease\"\n"
        + "case \"$1\" in bound|renew) ip addr flush dev $interface; ip addr add $ip/$mask dev $interface;; deconfig) ip addr flush dev $interface;; esac\n";

    internal static async Task<string> WriteScriptAsync()
    {
        var path = Path.Combine(Path.GetTempPath(), $"udhcpc-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(path, Script);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    private static async Task<(ServerHarness Server, DhcpTestNetwork Net)> StartAsync(int subnet)
    {
        var net = await DhcpTestNetwork.CreateAsync(subnet);
        var options = new DhcpServerOptions
        {
            Interfaces = [new DhcpInterfaceOptions { Name = net.ServerInterface, Address = net.ServerAddress }],
        };
        var channels = net.Server.RunInside(() => DhcpChannels.Open(options));
        var scopes = new InMemoryScopeSource([ServerHarness.Scope(subnet, net.ServerInterface)]);
        return (new ServerHarness(options, channels, scopes), net);
    }

    [Theory]
    [InlineData("0000", "undionly.kpxe")]
    [InlineData("0007", "snponly.efi")]
    [InlineData("0009", "snponly.efi")]
    [InlineData("000b", "snponly-arm64.efi")]
    public async Task Udhcpc_PosingAsPxeRom_GetsLeaseAndArchBootFile(string arch, string bootFile)
    {
        Peers.Require("udhcpc", "busybox");
        var (server, net) = await StartAsync(11);
        await using var _ = net;
        await using var __ = server;
        var script = await WriteScriptAsync();
        try
        {
            var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("udhcpc", "busybox"),
                ["-i", net.ClientInterface, "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", script, "-V", "PXEClient:Arch:00000:UNDI:002001", "-x", $"0x5d:{arch}"],
                TimeSpan.FromSeconds(30), net.Client.Name);
            Assert.True(rc == 0, $"udhcpc failed ({rc}): {stdout}{stderr}");
            Assert.Matches(@"EVENT=bound ip=198\.18\.11\.1\d\d ", stdout);
            Assert.Contains($"boot_file={bootFile}", stdout, StringComparison.Ordinal);
            Assert.Contains("siaddr=198.18.11.1", stdout, StringComparison.Ordinal);
            Assert.Contains("router=198.18.11.1", stdout, StringComparison.Ordinal);
            var leases = server.Server.GetLeases();
            Assert.Single(leases, l => l.State == DhcpLeaseState.Active);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    public async Task Udhcpc_PosingAsIpxe_GetsScriptUrlNotBinary()
    {
        var (server, net) = await StartAsync(12);
        await using var _ = net;
        await using var __ = server;
        var script = await WriteScriptAsync();
        try
        {
            // User class 77 "iPXE" and 175 with bus-id and HTTP feature, as iPXE sends them.
            var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("udhcpc", "busybox"),
                ["-i", net.ClientInterface, "-f", "-q", "-n", "-t", "5", "-T", "1", "-s", script, "-V", "PXEClient:Arch:00000:UNDI:002001",
                 "-x", "0x5d:0000", "-x", "0x4d:69505845", "-x", "0xaf:b105011af41000130101"],
                TimeSpan.FromSeconds(30), net.Client.Name);
            Assert.True(rc == 0, $"udhcpc failed ({rc}): {stdout}{stderr}");
            Assert.Matches(@"boot_file=http://198\.18\.12\.1:8080/boot/[0-9a-f-]{17}\.ipxe", stdout);
            var ev = Assert.Single(server.Observer.Events, e => e.Replied == Provisioner.Dhcp.Protocol.DhcpMessageType.Ack);
            Assert.True(ev.IsIpxe);
        }
        finally
        {
            File.Delete(script);
        }
    }
}
