using System.Net;
using System.Net.Sockets;
using Provisioner.Net;
using Provisioner.Tftp.Transport;

namespace Provisioner.Tftp.Tests.Server;

[Trait("Area", "Tftp")]
public sealed class UdpTransferChannelTests
{
    [Fact]
    public void InlineCompletions_SupportedByThisRuntime()
    {
        // The appliance relies on the runtime's per-socket switch; a runtime without it would silently fall back
        // to the slower thread-pool dispatch, so an upgrade that removes it must be noticed here.
        Assert.True(SocketInlineCompletions.IsSupported);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Receive_ContinuationRunsOnSocketThreadOnlyWhenInline(bool inline)
    {
        await using var channel = new UdpTransferChannel(new IPEndPoint(IPAddress.Loopback, 0), inlineCompletions: inline);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[16];

        // The receive is pending before the datagram is sent, so its completion comes from the socket engine.
        var receive = ReceiveAndReportThreadAsync(channel, buffer);
        await Task.Delay(50);
        await client.SendToAsync(new byte[] { 0, 4, 0, 1 }, SocketFlags.None, channel.LocalEndPoint);
        var (length, onThreadPool) = await receive.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(inline, channel.InlineCompletions);
        Assert.Equal(4, length);
        Assert.Equal(!inline, onThreadPool);
    }

    private static async Task<(int Length, bool OnThreadPool)> ReceiveAndReportThreadAsync(UdpTransferChannel channel, byte[] buffer)
    {
        var received = await channel.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
        return (received.Length, Thread.CurrentThread.IsThreadPoolThread);
    }
}
