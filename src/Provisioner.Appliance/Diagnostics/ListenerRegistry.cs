using System.Collections.Concurrent;
using System.Globalization;
using System.Net;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>A socket a protocol server of this appliance has open.</summary>
/// <param name="Service">"dhcp" or "tftp".</param>
/// <param name="Interface">The interface it is bound to (SO_BINDTODEVICE), or null.</param>
public sealed record OpenListener(string Service, string? Interface, IPEndPoint EndPoint, DateTimeOffset Since);

/// <summary>
/// The DHCP and TFTP sockets the appliance opened, as their loops report them, for the listener checks; and what the
/// kernel says this process has bound (/proc/net/udp, our own socket inodes), so a check does not take the loops' word alone.
/// </summary>
public sealed class ListenerRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Service, string? Interface, int Port), OpenListener> _open = new();

    public void Opened(string service, string? interfaceName, IPEndPoint endPoint) =>
        _open[(service, interfaceName, endPoint.Port)] = new OpenListener(service, interfaceName, endPoint, time.GetUtcNow());

    public void Closed(string service)
    {
        foreach (var key in _open.Keys.Where(k => k.Service == service))
        {
            _open.TryRemove(key, out _);
        }
    }

    public IReadOnlyList<OpenListener> Of(string service) => _open.Values.Where(l => l.Service == service).ToArray();

    /// <summary>How many UDP sockets of this process are bound to <paramref name="port"/>, per the kernel (Linux).</summary>
    public static int OwnUdpSocketsOn(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && int.TryParse(f[1].AsSpan(f[1].IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.HexNumber,
                        CultureInfo.InvariantCulture, out var p) && p == port)
                {
                    inodes.Add(f[9]);
                }
            }
        }

        var count = 0;
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // closed while we looked
            }
        }

        return count;
    }
}
