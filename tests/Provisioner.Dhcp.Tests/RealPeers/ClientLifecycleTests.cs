using Provisioner.Dhcp.Protocol;
using Provisioner.TestKit;

namespace Provisioner.Dhcp.Tests.RealPeers;

/// <summary>Each real client gets an address, renews it and releases it.</summary>
[Trait("Area", "Dhcp")]
public sealed class ClientLifecycleTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    [Trait("Peer", "udhcpc")]
    public async Task Udhcpc_LeaseRenewRelease_AllAnswered()
    {
        await using var s = await PeerServer.StartAsync(21);
        var script = await UdhcpcTests.WriteScriptAsync();
        try
        {
            await using var client = s.Net.Client.Start("udhcpc", "-i", s.Net.ClientInterface, "-f", "-s", script, "-t", "5", "-T", "1");
            await PeerServer.WaitAsync(() => s.Count(DhcpMessageType.Request, DhcpMessageType.Ack) == 1, Wait, () => client.Stdout + s.Timeline());
            await PeerServer.WaitAsync(async () => (await s.Net.ClientAddressesAsync()).Any(a => a.StartsWith("198.18.21.", StringComparison.Ordinal)), Wait);

            PeerProcess.Signal(client.Pid, 10); // SIGUSR1: renew
            await PeerServer.WaitAsync(() => s.Count(DhcpMessageType.Request, DhcpMessageType.Ack) == 2, Wait, () => client.Stdout + s.Timeline());
            PeerProcess.Signal(client.Pid, 12); // SIGUSR2: release
            await PeerServer.WaitAsync(s.HasReleased, Wait, () => client.Stdout + s.Timeline());
        }
        finally
        {
            File.Delete(script);
        }
    }

    [Fact]
    [Trait("Peer", "dhclient")]
    public async Task Dhclient_LeaseRenewRelease_AllAnswered()
    {
        // A 6 s lease makes dhclient renew on its own at T1 = 3 s.
        await using var s = await PeerServer.StartAsync(22, TimeSpan.FromSeconds(6));
        var dir = Directory.CreateTempSubdirectory("dhclient-");
        try
        {
            var script = Path.Combine(dir.FullName, "script");
            await File.WriteAllTextAsync(script, "#!/bin/sh\ncase \"$reason\" in BOUND|RENEW|REBIND|REBOOT) ip addr flush dev $interface; ip addr add $new_ip_address/24 dev $interface;; EXPIRE|FAIL|RELEASE|STOP) ip addr flush dev $interface;; esac\nexit 0\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            string[] common = ["-sf", script, "-lf", Path.Combine(dir.FullName, "leases"), "-pf", Path.Combine(dir.FullName, "pid")];
            await using var client = s.Net.Client.Start("dhclient", ["-d", "-v", .. common, s.Net.ClientInterface]);
            await PeerServer.WaitAsync(() => s.Count(DhcpMessageType.Request, DhcpMessageType.Ack) >= 1, Wait, () => client.Stderr + s.Timeline());
            await PeerServer.WaitAsync(() => s.Count(DhcpMessageType.Request, DhcpMessageType.Ack) >= 2, Wait, () => client.Stderr + s.Timeline());
            Assert.Contains(s.Harness.Observer.Events, e => e.Replied == DhcpMessageType.Ack && e.Address is not null && e.Reason is null);

            // dhclient -r sends DHCPRELEASE and stops the running instance named in the pid file.
            var (rc, _, err) = await PeerProcess.RunAsync(Peers.Require("dhclient", "isc-dhcp-client"), ["-r", "-v", .. common, s.Net.ClientInterface],
                TimeSpan.FromSeconds(30), s.Net.Client.Name);
            Assert.True(rc == 0, err);
            await PeerServer.WaitAsync(s.HasReleased, Wait, () => client.Stderr + s.Timeline());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    [Trait("Peer", "dhcpcd")]
    public async Task Dhcpcd_LeaseRenewRelease_AllAnswered()
    {
        await using var s = await PeerServer.StartAsync(23);

        // -c /bin/true: no hooks (they would touch the host's resolv.conf); -A: no ARP probe delay; -B: foreground.
        string[] common = ["-4", "-A", "-c", "/bin/true", "-f", "/dev/null"];
        await using var client = s.Net.Client.Start("dhcpcd", [.. common, "-B", "-d", s.Net.ClientInterface]);
        await PeerServer.WaitAsync(() => s.Count(DhcpMessageType.Request, DhcpMessageType.Ack) >= 1, Wait, () => client.Stderr + s.Timeline());
        await PeerServer.WaitAsync(async () => (await s.Net.ClientAddressesAsync()).Any(a => a.StartsWith("198.18.23.", StringComparison.Ordinal)), Wait);

        var dhcpcd = Peers.Require("dhcpcd");
        await PeerProcess.RunAsync(dhcpcd, [.. common, "-n", s.Net.ClientInterface], TimeSpan.FromSeconds(30), s.Net.Client.Name);
        await PeerServer.WaitAsync(() => s.Count(DhcpMessageType.Request, DhcpMessageType.Ack) >= 2, Wait, () => client.Stderr + s.Timeline());
        // A control command that arrives while the daemon is still applying the renewed lease can be lost:
        // wait until its RENEW hook ran, and ask again if the release does not come.
        await PeerServer.WaitAsync(() => client.Stderr.Contains("/bin/true RENEW", StringComparison.Ordinal), Wait, () => client.Stderr);

        for (var attempt = 1; ; attempt++)
        {
            await PeerProcess.RunAsync(dhcpcd, [.. common, "-k", s.Net.ClientInterface], TimeSpan.FromSeconds(30), s.Net.Client.Name);
            try
            {
                await PeerServer.WaitAsync(s.HasReleased, TimeSpan.FromSeconds(10), () => client.Stderr + s.Timeline());
                break;
            }
            catch (Xunit.Sdk.FailException) when (attempt < 3)
            {
            }
        }
    }
}
