using System.Net;
using System.Runtime.InteropServices;

namespace Provisioner.TestKit;

/// <summary>
/// A network namespace a test creates and removes. Traffic of a test stays inside namespaces it made:
/// nothing reaches the machine's own interfaces or its default route.
/// Names are unique per process and call, so test classes can run in parallel.
/// </summary>
public sealed class NetNamespace : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;
    private static int s_counter;

    private NetNamespace(string name)
    {
        Name = name;
    }

    /// <summary>The namespace name, as given to <c>ip netns</c>.</summary>
    public string Name { get; }

    /// <summary>Creates a namespace with its loopback up.</summary>
    public static async Task<NetNamespace> CreateAsync(string hint = "t")
    {
        Peers.RequireRoot();
        var name = UniqueName(hint);
        await Ip("netns", "add", name);
        var ns = new NetNamespace(name);
        await ns.ExecAsync("ip", "link", "set", "lo", "up");
        return ns;
    }

    /// <summary>A short unique name (interface names may be at most 15 characters).</summary>
    public static string UniqueName(string hint)
    {
        var n = Interlocked.Increment(ref s_counter);
        var h = hint.Length > 4 ? hint[..4] : hint;
        return $"{h}{Environment.ProcessId % 100000:x}{n:x}{Random.Shared.Next(0x100):x2}";
    }

    /// <summary>Runs a command inside the namespace and throws with its output if it fails.</summary>
    public async Task<string> ExecAsync(string program, params string[] args)
    {
        var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require(program), args, TimeSpan.FromSeconds(30), Name);
        if (rc != 0)
        {
            throw new InvalidOperationException($"[netns {Name}] {program} {string.Join(' ', args)} failed ({rc}): {stderr}{stdout}");
        }

        return stdout;
    }

    /// <summary>Starts a long-running program inside the namespace; the caller disposes it (stopped by PID).</summary>
    public PeerProcess Start(string program, params string[] args) => PeerProcess.Start(Peers.Require(program), args, Name);

    /// <summary>Adds an address to an interface of this namespace and brings the interface up.</summary>
    public async Task AddAddressAsync(string device, string cidr)
    {
        await ExecAsync("ip", "addr", "add", cidr, "dev", device);
        await ExecAsync("ip", "link", "set", device, "up");
    }

    /// <summary>
    /// Joins two namespaces with a veth pair. Returns the device names (first in <paramref name="a"/>, second in <paramref name="b"/>).
    /// </summary>
    public static async Task<(string InA, string InB)> LinkAsync(NetNamespace a, NetNamespace b, string? aAddress = null, string? bAddress = null)
    {
        var ia = UniqueName("va");
        var ib = UniqueName("vb");
        await Ip("link", "add", ia, "type", "veth", "peer", "name", ib);
        await Ip("link", "set", ia, "netns", a.Name);
        await Ip("link", "set", ib, "netns", b.Name);
        await a.ExecAsync("ip", "link", "set", ia, "up");
        await b.ExecAsync("ip", "link", "set", ib, "up");
        if (aAddress is not null)
        {
            await a.AddAddressAsync(ia, aAddress);
        }

        if (bAddress is not null)
        {
            await b.AddAddressAsync(ib, bAddress);
        }

        return (ia, ib);
    }

    /// <summary>Creates a bridge inside this namespace with an optional address.</summary>
    public async Task<string> AddBridgeAsync(string? cidr = null)
    {
        var br = UniqueName("br");
        await ExecAsync("ip", "link", "add", br, "type", "bridge");
        await ExecAsync("ip", "link", "set", br, "up");
        if (cidr is not null)
        {
            await AddAddressAsync(br, cidr);
        }

        return br;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a fresh thread that has entered this namespace, so sockets it
    /// creates live inside the namespace even though the test process itself stays outside.
    /// </summary>
    public T RunInside<T>(Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var fd = File.OpenHandle($"/var/run/netns/{Name}");
                if (SetNs((int)fd.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({Name}) failed: errno {Marshal.GetLastPInvokeError()}");
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"Running inside netns {Name} failed: {error.Message}", error);
        }

        return result!;
    }

    /// <summary>
    /// An HttpClient whose connections are made from inside this namespace (each socket is created on a thread that
    /// entered it), so a test talks to a server in the namespace without leaving the test process.
    /// </summary>
    public HttpClient CreateHttpClient(TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = RunInside(() => new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork,
                    System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp));
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { Timeout = timeout ?? TimeSpan.FromSeconds(100) };
    }

    /// <summary>The index of an interface inside this namespace.</summary>
    public async Task<int> InterfaceIndexAsync(string device)
    {
        var text = await File.ReadAllTextAsync($"/sys/class/net/{device}/ifindex").ConfigureAwait(false);
        return int.Parse(text.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Ip("netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Parses "a.b.c.d/len" into the address part.</summary>
    public static IPAddress AddressOf(string cidr) => IPAddress.Parse(cidr.Split('/')[0]);

    private static async Task Ip(params string[] args)
    {
        var (rc, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("ip", "iproute2"), args, TimeSpan.FromSeconds(30));
        if (rc != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({rc}): {stderr}{stdout}");
        }
    }

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static extern int SetNs(int fd, int nstype);
}
