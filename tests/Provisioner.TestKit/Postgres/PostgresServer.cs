using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Provisioner.TestKit.Postgres;

/// <summary>
/// A throw-away PostgreSQL server (Debian's postgresql package) in a temporary directory, listening on a free loopback
/// port with trust authentication. When the tests run as root the server runs as the "postgres" system user (PostgreSQL
/// refuses to run as root) through setpriv, which execs in place so the PID we stop is the postmaster's own.
/// Durability settings are off: this is a test server, and start-up plus each test must be fast.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly PeerProcess _postmaster;
    private readonly string _binDir;
    private readonly bool _asPostgresUser;
    private int _databases;

    private PostgresServer(string dir, string binDir, bool asPostgresUser, PeerProcess postmaster, int port)
    {
        _dir = dir;
        _binDir = binDir;
        _asPostgresUser = asPostgresUser;
        _postmaster = postmaster;
        Port = port;
    }

    public int Port { get; }

    public int Pid => _postmaster.Pid;

    /// <summary>Finds the newest installed PostgreSQL server binaries, or fails naming the Debian package.</summary>
    public static string FindBinDirectory()
    {
        var root = "/usr/lib/postgresql";
        var dir = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "postgres")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return dir ?? throw new InvalidOperationException("Real peer 'postgres' is not installed (Debian package 'postgresql'). Run 'make deps'.");
    }

    public static async Task<PostgresServer> StartAsync(TimeSpan? timeout = null)
    {
        var binDir = FindBinDirectory();
        var asPostgresUser = Environment.UserName == "root" || GetEuid() == 0;
        var dir = Directory.CreateTempSubdirectory("provisioner-pg-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");
            if (asPostgresUser)
            {
                var chown = await PeerProcess.RunAsync(Peers.Require("chown", "coreutils"), ["-R", "postgres:postgres", dir], TimeSpan.FromSeconds(10));
                if (chown.ExitCode != 0)
                {
                    throw new InvalidOperationException($"chown of {dir} to postgres failed: {chown.Stderr}");
                }
            }

            var (initProgram, initArgs) = Command(binDir, asPostgresUser, "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
            var init = await PeerProcess.RunAsync(initProgram, initArgs, TimeSpan.FromSeconds(60));
            if (init.ExitCode != 0)
            {
                throw new InvalidOperationException($"initdb failed ({init.ExitCode}):\n{init.Stdout}\n{init.Stderr}");
            }

            var port = FreeLoopbackPort();
            var (pgProgram, pgArgs) = Command(binDir, asPostgresUser, "postgres",
            [
                "-D", data, "-p", port.ToString(CultureInfo.InvariantCulture), "-h", "127.0.0.1", "-k", dir,
                "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=300",
                "-c", "shared_buffers=64MB", "-c", "log_min_messages=warning",
            ]);
            var postmaster = PeerProcess.Start(pgProgram, pgArgs);
            var server = new PostgresServer(dir, binDir, asPostgresUser, postmaster, port);
            await server.WaitReadyAsync(timeout ?? TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            TryDelete(dir);
            throw;
        }
    }

    /// <summary>Creates an empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}".ToLowerInvariant();
        name = name.Length > 63 ? name[..63] : name; // PostgreSQL identifiers are at most 63 bytes
        var r = await PeerProcess.RunAsync(Path.Combine(_binDir, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name],
            TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"createdb {name} failed: {r.Stderr}");
        }

        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Include Error Detail=true;Maximum Pool Size=50";

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_postmaster.HasExited)
            {
                throw new InvalidOperationException($"postgres exited at start ({_postmaster.ExitCode}):\n{_postmaster.Stderr}");
            }

            var r = await PeerProcess.RunAsync(Path.Combine(_binDir, "pg_isready"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres"],
                TimeSpan.FromSeconds(10));
            if (r.ExitCode == 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"postgres did not accept connections within {timeout.TotalSeconds} s:\n{_postmaster.Stderr}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_postmaster.HasExited)
        {
            // SIGINT is PostgreSQL's "fast" shutdown: it does not wait for pooled client connections to go away.
            PeerProcess.Signal(_postmaster.Pid, 2);
            await _postmaster.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await _postmaster.DisposeAsync();
        TryDelete(_dir);
    }

    private static (string Program, string[] Args) Command(string binDir, bool asPostgresUser, string tool, string[] args) =>
        asPostgresUser
            ? (Peers.Require("setpriv", "util-linux"), ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", Path.Combine(binDir, tool), .. args])
            : (Path.Combine(binDir, tool), args);

    private static int FreeLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
