using System.Net;
using System.Threading.Channels;
using Provisioner.Net;

namespace Provisioner.TestKit;

/// <summary>
/// One end of an in-memory UDP "wire": what the server sends is read by the test with
/// <see cref="ReadSentAsync"/>, and what the test injects with <see cref="Inject"/> is what the server receives.
/// </summary>
public sealed class InMemoryDatagramChannel : IDatagramChannel
{
    private readonly Channel<(IPEndPoint Remote, byte[] Payload, int IfIndex, IPAddress Local)> _inbound = Channel.CreateUnbounded<(IPEndPoint, byte[], int, IPAddress)>();
    private readonly Channel<(IPEndPoint Remote, byte[] Payload)> _outbound = Channel.CreateUnbounded<(IPEndPoint, byte[])>();

    public InMemoryDatagramChannel(IPEndPoint localEndPoint, string? interfaceName = null)
    {
        LocalEndPoint = localEndPoint;
        InterfaceName = interfaceName;
    }

    public IPEndPoint LocalEndPoint { get; }

    public string? InterfaceName { get; }

    /// <summary>Delivers a datagram to the server as if it arrived from <paramref name="from"/>.</summary>
    public void Inject(IPEndPoint from, ReadOnlySpan<byte> payload, int interfaceIndex = 1, IPAddress? localAddress = null)
        => _inbound.Writer.TryWrite((from, payload.ToArray(), interfaceIndex, localAddress ?? LocalEndPoint.Address));

    /// <summary>Waits for the next datagram the server sent.</summary>
    public async Task<(IPEndPoint Remote, byte[] Payload)> ReadSentAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        return await _outbound.Reader.ReadAsync(cts.Token);
    }

    /// <summary>Every <see cref="IDatagramChannel.SendSegmentsAsync"/> call: the run's length and segment size.
    /// The run still arrives as separate datagrams, as from a socket.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(int Length, int SegmentSize)> SegmentRuns { get; } = new();

    public ValueTask SendSegmentsAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, int segmentSize, CancellationToken cancellationToken)
    {
        SegmentRuns.Enqueue((payload.Length, segmentSize));
        return DatagramSegments.SendOneByOneAsync(this, remote, payload, segmentSize, cancellationToken);
    }

    /// <summary>True if the server sent something not yet read.</summary>
    public bool TryReadSent(out (IPEndPoint Remote, byte[] Payload) sent) => _outbound.Reader.TryRead(out sent);

    public async ValueTask<ReceivedDatagram> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var (remote, payload, ifIndex, local) = await _inbound.Reader.ReadAsync(cancellationToken);
        var n = Math.Min(payload.Length, buffer.Length);
        payload.AsSpan(0, n).CopyTo(buffer.Span);
        return new ReceivedDatagram(remote, n, ifIndex, local);
    }

    public ValueTask SendAsync(IPEndPoint remote, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        _outbound.Writer.TryWrite((remote, payload.ToArray()));
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _inbound.Writer.TryComplete();
        _outbound.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
