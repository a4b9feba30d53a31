using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Text;

namespace Provisioner.Dhcp.Leases;

/// <summary>
/// Append-only CSV lease file in the manner of Kea's memfile: one line per change, the last line of an address wins.
/// Loading compacts the file (rewrites one line per address into a new file and renames it over the old one).
/// Each commit is one write plus, when <see cref="Fsync"/> is set, one fsync.
/// </summary>
/// <remarks>Line format: <c>address,mac,client-id-hex,expires-unix-seconds,state,scope,hostname</c>.</remarks>
public sealed class FileLeaseJournal : IDhcpLeaseStore, IAsyncDisposable
{
    private const string Header = "address,hwaddr,client_id,expire,state,scope,hostname";
    private readonly string _path;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _stream;

    /// <summary>Opens (or creates on first load) the journal at <paramref name="path"/>.</summary>
    public FileLeaseJournal(string path, bool fsync = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        Fsync = fsync;
    }

    /// <summary>fsync after every commit (durable across power loss). Without it data survives a process crash only.</summary>
    public bool Fsync { get; }

    public async ValueTask<IReadOnlyList<DhcpLease>> LoadAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var latest = new Dictionary<IPAddress, DhcpLease>();
            if (File.Exists(_path))
            {
                foreach (var line in await File.ReadAllLinesAsync(_path, cancellationToken).ConfigureAwait(false))
                {
                    if (TryParse(line, out var lease))
                    {
                        latest[lease.Address] = lease;
                    }
                }
            }

            var leases = latest.Values.ToArray();
            var tmp = _path + ".tmp";
            var dir = Path.GetDirectoryName(Path.GetFullPath(_path));
            if (dir is not null)
            {
                Directory.CreateDirectory(dir);
            }

            await using (var w = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var sb = new StringBuilder(Header).Append('\n');
                foreach (var l in leases)
                {
                    Append(sb, l);
                }

                await w.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()), cancellationToken).ConfigureAwait(false);
                w.Flush(flushToDisk: true);
            }

            File.Move(tmp, _path, overwrite: true);
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }

            _stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
            return leases;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask CommitAsync(IReadOnlyList<DhcpLease> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stream = _stream ?? throw new InvalidOperationException("LoadAsync must run before CommitAsync.");
            var sb = new StringBuilder(changes.Count * 80);
            foreach (var c in changes)
            {
                Append(sb, c);
            }

            var bytes = Encoding.ASCII.GetBytes(sb.ToString());
            stream.Write(bytes);
            stream.Flush(flushToDisk: Fsync);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private static void Append(StringBuilder sb, DhcpLease l)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append(l.Address).Append(',')
          .Append(l.Mac.ToString()).Append(',')
          .Append(l.ClientId is null ? string.Empty : Convert.ToHexString(l.ClientId)).Append(',')
          .Append(l.Expires.ToUnixTimeSeconds().ToString(inv)).Append(',')
          .Append(((byte)l.State).ToString(inv)).Append(',')
          .Append(Clean(l.ScopeId)).Append(',')
          .Append(Clean(l.HostName)).Append('\n');
    }

    // Commas and line breaks would corrupt the line; host names never legitimately hold them.
    private static string Clean(string? s) => s is null ? string.Empty : s.Replace(',', '_').Replace('\n', '_').Replace('\r', '_');

    private static bool TryParse(string line, out DhcpLease lease)
    {
        lease = null!;
        var f = line.Split(',');
        if (f.Length != 7 || !IPAddress.TryParse(f[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !long.TryParse(f[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var expires)
            || !byte.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var state) || state > 2)
        {
            // The header, or a line torn by a crash mid-write: skipped.
            return false;
        }

        try
        {
            lease = new DhcpLease(address, PhysicalAddress.Parse(f[1]), f[2].Length == 0 ? null : Convert.FromHexString(f[2]),
                DateTimeOffset.FromUnixTimeSeconds(expires), (DhcpLeaseState)state, f[5], f[6].Length == 0 ? null : f[6]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
