using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Provisioner.TestKit;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Protocol;
using Provisioner.Tftp.Server;
using Provisioner.Tftp.Transport;

namespace Provisioner.Tftp.Tests.Server;

/// <summary>Our server over in-memory channels and a manual clock: whole exchanges without sockets or sleeps.</summary>
public sealed class InMemoryTftpBed : IAsyncDisposable, ITftpObserver
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<InMemoryDatagramChannel> _transfers = Channel.CreateUnbounded<InMemoryDatagramChannel>();
    private readonly Task _run;
    private int _nextPort = 40000;

    public InMemoryTftpBed(TftpServerOptions? options = null, ITftpFileSource? source = null)
    {
        Listener = new InMemoryDatagramChannel(new IPEndPoint(ServerAddress, 69));
        Server = new TftpServer(
            options ?? new TftpServerOptions(),
            Listener,
            local =>
            {
                ChannelRequests.Enqueue(local);
                var channel = new InMemoryDatagramChannel(new IPEndPoint(local.Address, Interlocked.Increment(ref _nextPort)));
                _transfers.Writer.TryWrite(channel);
                return channel;
            },
            source ?? new VirtualFileSource((path, _, _) => ValueTask.FromResult(Files.TryGetValue(path, out var c) ? (ReadOnlyMemory<byte>?)c : null)),
            this,
            Time);
        _run = Server.RunAsync(_stop.Token);
    }

    public static IPAddress ServerAddress { get; } = IPAddress.Parse("198.18.0.1");

    public ManualTimeProvider Time { get; } = new();

    /// <summary>What the server told the channel factory for each transfer.</summary>
    public ConcurrentQueue<IPEndPoint> ChannelRequests { get; } = new();

    public InMemoryDatagramChannel Listener { get; }

    public TftpServer Server { get; }

    public ConcurrentDictionary<string, byte[]> Files { get; } = new();

    public ConcurrentQueue<TftpTransferRecord> Ended { get; } = new();

    public ConcurrentQueue<string> Started { get; } = new();

    public Task RunTask => _run;

    public static IPEndPoint Client(int n = 1) => new(IPAddress.Parse("198.18.0.2"), 2000 + n);

    public void Request(IPEndPoint client, string file, string mode = "octet", params (string Name, string Value)[] options)
        => Listener.Inject(client, RequestBytes(TftpOpcode.ReadRequest, file, mode, options));

    public static byte[] RequestBytes(TftpOpcode opcode, string file, string mode = "octet", params (string Name, string Value)[] options)
    {
        var buffer = new byte[2048];
        var n = TftpPacketWriter.WriteRequest(buffer, opcode, file, mode, options.Select(o => new TftpOption(o.Name, o.Value)));
        return buffer[..n];
    }

    public static byte[] Ack(int block)
    {
        var b = new byte[4];
        TftpPacketWriter.WriteAck(b, (ushort)block);
        return b;
    }

    /// <summary>The channel of the next transfer the server opens.</summary>
    public async Task<InMemoryDatagramChannel> NextTransferAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _transfers.Reader.ReadAsync(cts.Token);
    }

    public bool TryNextTransfer(out InMemoryDatagramChannel? channel) => _transfers.Reader.TryRead(out channel);

    /// <summary>Reads the next packet the server sent on <paramref name="channel"/>; asserts it went to <paramref name="to"/>.</summary>
    public static async Task<byte[]> ReadAsync(InMemoryDatagramChannel channel, IPEndPoint to)
    {
        var (remote, payload) = await channel.ReadSentAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(to, remote);
        return payload;
    }

    public static TftpOpcode Opcode(byte[] packet) => (TftpOpcode)BinaryPrimitives.ReadUInt16BigEndian(packet);

    public static ushort Block(byte[] packet) => BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(2));

    /// <summary>Waits until <paramref name="condition"/> holds (bounded), for effects of other tasks.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, $"Timed out waiting for: {what}");
            await Task.Delay(5);
        }
    }

    public async Task<TftpTransferRecord> EndedAsync(int count = 1)
    {
        await EventuallyAsync(() => Ended.Count >= count, $"{count} ended transfers");
        return Ended.ToArray()[count - 1];
    }

    public void TransferStarted(IPEndPoint client, string path, long fileSize) => Started.Enqueue(path);

    public void TransferEnded(TftpTransferRecord transfer) => Ended.Enqueue(transfer);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run.WaitAsync(TimeSpan.FromSeconds(10));
        _stop.Dispose();
    }
}
