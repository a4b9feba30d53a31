using System.Net;
using System.Net.Sockets;

namespace Provisioner.Demo;

/// <summary>
/// Makes the appliance inside the rack's network namespace reachable from this host's loopback: a TCP listener on
/// 127.0.0.1 whose connections are joined to the appliance's Unix socket (a file, so it crosses namespaces). Nothing is
/// routed into the rack and the rack reaches nothing outside it.
/// </summary>
internal sealed class UnixSocketForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _socketPath;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public UnixSocketForwarder(int port, string socketPath)
    {
        _socketPath = socketPath;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            _ = JoinAsync(client);
        }
    }

    private async Task JoinAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                await upstream.ConnectAsync(new UnixDomainSocketEndPoint(_socketPath), _stop.Token);
                await using var up = new NetworkStream(upstream, ownsSocket: false);
                var down = client.GetStream();
                // Whichever side finishes first ends the pair; the other copy is cancelled with the sockets' disposal.
                await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // A browser closing a connection mid-request is normal.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
