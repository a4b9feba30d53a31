using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Provisioner.Net;
using Provisioner.TestKit;
using Provisioner.Tftp.Files;
using Provisioner.Tftp.Server;
using Provisioner.Tftp.Transport;

namespace Provisioner.Tftp.Tests.Peers;

/// <summary>
/// Two namespaces joined by a veth: our server runs in-process with every socket (listener and per-transfer)
/// created inside "srv"; real clients run in "cli". Files live in a temporary root.
/// </summary>
public sealed class NetnsTftpBed : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;
    private UdpDatagramChannel? _listener;

    private NetnsTftpBed(NetNamespace server, NetNamespace client, string root)
    {
        ServerNs = server;
        ClientNs = client;
        Root = root;
    }

    public NetNamespace ServerNs { get; }

    public NetNamespace ClientNs { get; }

    public string Root { get; }

    public IPAddress ServerAddress { get; } = IPAddress.Parse("198.18.10.1");

    public int Port { get; private set; }

    public TftpServer Server { get; private set; } = null!;

    /// <summary>The server loop; faulted if the server died.</summary>
    public Task RunTask => _run!;

    public ConcurrentQueue<TftpTransferRecord> Ended { get; } = new();

    /// <summary>Local end points of the transfer sockets the server created, in order.</summary>
    public ConcurrentQueue<IPEndPoint> TransferEndPoints { get; } = new();

    /// <summary>The transfer sockets the server created, in order (their offload counts).</summary>
    public ConcurrentQueue<UdpTransferChannel> TransferChannels { get; } = new();

    /// <summary>Creates the namespaces, the root, and starts the server (port 69 in srv).</summary>
    public static async Task<NetnsTftpBed> StartAsync(TftpServerOptions? options = null, Func<ITftpFileSource, ITftpFileSource>? wrapSource = null,
        DirectoryFileSourceOptions? directory = null)
    {
        var srv = await NetNamespace.CreateAsync("tsrv");
        NetNamespace? cli = null;
        try
        {
            cli = await NetNamespace.CreateAsync("tcli");
            await NetNamespace.LinkAsync(srv, cli, "198.18.10.1/24", "198.18.10.2/24");
            var root = Directory.CreateTempSubdirectory("tftp-root-").FullName;
            var bed = new NetnsTftpBed(srv, cli, root);
            bed.Start(options ?? new TftpServerOptions(), wrapSource, directory ?? new DirectoryFileSourceOptions { Root = root });
            return bed;
        }
        catch
        {
            if (cli is not null)
            {
                await cli.DisposeAsync();
            }

            await srv.DisposeAsync();
            throw;
        }
    }

    private void Start(TftpServerOptions options, Func<ITftpFileSource, ITftpFileSource>? wrapSource, DirectoryFileSourceOptions directory)
    {
        var listener = ServerNs.RunInside(() => new UdpDatagramChannel(
            new UdpChannelSettings { Bind = new IPEndPoint(ServerAddress, 69), ReceiveBufferSize = 4 << 20 }));
        _listener = listener;
        Port = listener.LocalEndPoint.Port;
        ITftpFileSource source = new DirectoryFileSource(directory);
        source = wrapSource?.Invoke(source) ?? source;
        Server = new TftpServer(
            options,
            listener,
            local =>
            {
                var channel = ServerNs.RunInside(() => new UdpTransferChannel(local, sendBufferSize: 1 << 20)); // as the appliance
                TransferEndPoints.Enqueue(channel.LocalEndPoint);
                TransferChannels.Enqueue(channel);
                return channel;
            },
            source,
            new RecordingObserver(Ended));
        _run = Server.RunAsync(_stop.Token);
    }

    /// <summary>Writes a file of <paramref name="size"/> deterministic pseudo-random bytes into the root; returns its SHA-256.</summary>
    public string AddFile(string relativePath, long size, int seed = 1)
    {
        var full = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        using (var f = File.Create(full))
        {
            for (long left = size; left > 0; left -= buffer.Length)
            {
                random.NextBytes(buffer);
                f.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
            }
        }

        return Sha256Of(full);
    }

    /// <summary>A fresh output path in the client's view (same filesystem).</summary>
    public string OutputPath(string name)
    {
        Directory.CreateDirectory(Root + "-out");
        return Path.Combine(Root + "-out", name);
    }

    public static string Sha256Of(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }

    /// <summary>Waits until the server has reported <paramref name="count"/> ended requests.</summary>
    public async Task<TftpTransferRecord[]> WaitForEndedAsync(int count, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Ended.Count < count)
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Only {Ended.Count} of {count} transfers ended.");
            }

            await Task.Delay(20);
        }

        return Ended.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await Task.WhenAny(_run, Task.Delay(TimeSpan.FromSeconds(15)));
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        await ClientNs.DisposeAsync();
        await ServerNs.DisposeAsync();
        _stop.Dispose();
        TryDelete(Root);
        TryDelete(Root + "-out");
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class RecordingObserver(ConcurrentQueue<TftpTransferRecord> ended) : ITftpObserver
    {
        public void TransferStarted(IPEndPoint client, string path, long fileSize)
        {
        }

        public void TransferEnded(TftpTransferRecord transfer) => ended.Enqueue(transfer);
    }
}
