using System.Net;
using System.Net.Sockets;
using Provisioner.Tftp.Transport;

namespace Provisioner.Tftp.Tests.Server;

/// <summary>The transfer socket against a plain UDP socket on loopback: what arrives is what the kernel made of
/// our sends.</summary>
[Trait("Area", "Tftp")]
public sealed class UdpTransferChannelTests : IDisposable
{
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public UdpTransferChannelTests() => _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    private IPEndPoint Peer => (IPEndPoint)_peer.LocalEndPoint!;

    public void Dispose() => _peer.Dispose();

    [Fact]
    public async Task SendSegments_OneOffloadedSend_ArrivesAsSeparateDatagramsInOrder()
    {
        await using var channel = new UdpTransferChannel(new IPEndPoint(IPAddress.Loopback, 0));
        var peer = Peer;
        await channel.SendAsync(peer, new byte[] { 0, 6, 0 }, CancellationToken.None); // the transfer's first packet
        var run = new byte[(10 * 1000) + 300];
        for (var i = 0; i < run.Length; i++)
        {
            run[i] = (byte)(i / 1000); // each segment filled with its index
        }

        await channel.SendSegmentsAsync(peer, run, 1000, CancellationToken.None);

        Assert.Equal(3, (await ReceiveAsync()).Length);
        for (var segment = 0; segment <= 10; segment++)
        {
            var datagram = await ReceiveAsync();
            Assert.Equal(segment == 10 ? 300 : 1000, datagram.Length);
            Assert.All(datagram, b => Assert.Equal((byte)segment, b));
        }

        Assert.Equal((1L, false), (channel.SegmentedSends, channel.SegmentationRefused));
    }

    [Fact]
    public async Task Send_DatagramLongerThanTheSegmentSize_AfterARun_ArrivesWhole()
    {
        // An ERROR with a long text after a window of tiny blocks must not be cut at the run's segment size.
        await using var channel = new UdpTransferChannel(new IPEndPoint(IPAddress.Loopback, 0));
        var peer = Peer;
        await channel.SendAsync(peer, new byte[] { 1 }, CancellationToken.None);
        await channel.SendSegmentsAsync(peer, new byte[36], 12, CancellationToken.None);
        await channel.SendAsync(peer, new byte[500], CancellationToken.None);

        var lengths = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            lengths.Add((await ReceiveAsync()).Length);
        }

        Assert.Equal([1, 12, 12, 12, 500], lengths);
        Assert.Equal(1, channel.SegmentedSends);
    }

    [Fact]
    public async Task SendSegments_ToAStranger_GoOneByOne()
    {
        await using var channel = new UdpTransferChannel(new IPEndPoint(IPAddress.Loopback, 0));
        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        other.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await channel.SendAsync((IPEndPoint)other.LocalEndPoint!, new byte[] { 1 }, CancellationToken.None); // the peer

        await channel.SendSegmentsAsync(Peer, new byte[25], 10, CancellationToken.None);

        int[] lengths = [(await ReceiveAsync()).Length, (await ReceiveAsync()).Length, (await ReceiveAsync()).Length];
        Assert.Equal([10, 10, 5], lengths);
        Assert.Equal(0, channel.SegmentedSends);
    }

    private async Task<byte[]> ReceiveAsync()
    {
        var buffer = new byte[65536];
        var result = await _peer.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0))
            .WaitAsync(TimeSpan.FromSeconds(10));
        return buffer[..result.ReceivedBytes];
    }
}
