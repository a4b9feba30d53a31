using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Provisioner.Net;

namespace Provisioner.TestKit.Snmp;

/// <summary>
/// A real net-snmp <c>snmpd</c> (Debian package snmpd) on a free loopback port with its own config,
/// serving an APC-style outlet control column through a <c>pass</c> script: GET/GETNEXT read
/// <c>{column}.{n}</c> (1 = on, 2 = off), SET writes 1 (on), 2 (off) or 3 (reboot: ends on). The outlet
/// states live in files in the agent's directory. Stopped by PID; directory removed on dispose.
/// </summary>
public sealed class SnmpdOutletAgent : IAsyncDisposable
{
    /// <summary>APC PowerNet-MIB sPDUOutletCtl (1.3.6.1.4.1.318.1.1.4.4.2.1.3).</summary>
    public const string SPduOutletCtl = "1.3.6.1.4.1.318.1.1.4.4.2.1.3";

    private readonly PeerProcess _process;

    private SnmpdOutletAgent(PeerProcess process, string directory, IPEndPoint endPoint, int outlets, string column)
    {
        _process = process;
        Directory = directory;
        EndPoint = endPoint;
        Outlets = outlets;
        Column = column;
    }

    /// <summary>The agent's directory.</summary>
    public string Directory { get; }

    /// <summary>Where snmpd listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Number of outlets.</summary>
    public int Outlets { get; }

    /// <summary>The control column OID served.</summary>
    public string Column { get; }

    /// <summary>Read-write community.</summary>
    public string WriteCommunity => "private";

    /// <summary>Read-only community.</summary>
    public string ReadCommunity => "public";

    /// <summary>Starts snmpd with <paramref name="outlets"/> outlets, all on unless <paramref name="initiallyOn"/> is false.</summary>
    public static async Task<SnmpdOutletAgent> StartAsync(int outlets = 8, bool initiallyOn = true, string column = SPduOutletCtl, CancellationToken cancellationToken = default)
    {
        var snmpd = Peers.Require("snmpd", "snmpd");
        var dir = Path.Combine(Path.GetTempPath(), "snmpd-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var port = FreeUdpPort();
        for (var i = 1; i <= outlets; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(dir, $"outlet.{i}"), initiallyOn ? "1\n" : "2\n", cancellationToken);
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "count"), outlets.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken);
        var script = Path.Combine(dir, "outlets.sh");
        await File.WriteAllTextAsync(script, Script.Replace("@BASE@", "." + column, StringComparison.Ordinal), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "snmpd.conf"), $"""
            rocommunity public 127.0.0.1
            rwcommunity private 127.0.0.1
            pass .{column} /bin/bash {script}

            """, cancellationToken);
        var process = PeerProcess.Start(snmpd,
            ["-f", "-Lo", "-C", "-c", Path.Combine(dir, "snmpd.conf"), "-p", Path.Combine(dir, "snmpd.pid"), "-I", "-smux", $"udp:127.0.0.1:{port}"],
            workingDirectory: dir,
            environment: new Dictionary<string, string> { ["SNMP_PERSISTENT_DIR"] = dir, ["MIBS"] = "" });
        var agent = new SnmpdOutletAgent(process, dir, new IPEndPoint(IPAddress.Loopback, port), outlets, column);
        try
        {
            await agent.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }

        return agent;
    }

    /// <summary>Outlet state as the script recorded it: true = on.</summary>
    public bool IsOn(int outlet) => File.ReadAllText(Path.Combine(Directory, $"outlet.{outlet}")).Trim() == "1";

    /// <summary>Sets an outlet's state file directly.</summary>
    public void SetOutlet(int outlet, bool on) => File.WriteAllText(Path.Combine(Directory, $"outlet.{outlet}"), on ? "1\n" : "2\n");

    /// <summary>Every SET the script applied.</summary>
    public string EventsLog => File.Exists(Path.Combine(Directory, "events.log")) ? File.ReadAllText(Path.Combine(Directory, "events.log")) : string.Empty;

    /// <summary>Output so far.</summary>
    public string Output => _process.Stdout + _process.Stderr;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan limit, CancellationToken ct)
    {
        // GET sysDescr.0 with community "public", hand-encoded (RFC 3416; BER per X.690).
        var get = new List<byte> { 0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06 };
        get.AddRange(Encoding.ASCII.GetBytes("public"));
        get.AddRange([0xA0, 0x1C, 0x02, 0x04, 0, 0, 0, 1, 0x02, 0x01, 0, 0x02, 0x01, 0, 0x30, 0x0E, 0x30, 0x0C,
            0x06, 0x08, 0x2B, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00]);
        await using var channel = new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Loopback, 0) });
        var deadline = DateTime.UtcNow + limit;
        var buffer = new byte[2048];
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"snmpd exited with {_process.ExitCode}:\n{Output}");
            }

            await channel.SendAsync(EndPoint, get.ToArray(), ct);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                if ((await channel.ReceiveAsync(buffer, cts.Token)).Length > 0)
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }

        throw new TimeoutException($"snmpd did not answer on {EndPoint} within {limit.TotalSeconds} s:\n{Output}");
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    // net-snmp "pass" protocol (snmpd.conf(5)): -g OID, -n OID, -s OID TYPE VALUE.
    private const string Script = """
        #!/bin/bash
        dir="$(cd "$(dirname "$0")" && pwd)"
        base="@BASE@"
        n=$(cat "$dir/count")
        index_of() { local rest="${1#$base.}"; [ "$rest" != "$1" ] && [[ "$rest" =~ ^[0-9]+$ ]] && echo "$rest"; }
        case "$1" in
          -g)
            i=$(index_of "$2")
            if [ -n "$i" ] && [ -f "$dir/outlet.$i" ]; then echo "$2"; echo integer; cat "$dir/outlet.$i"; fi ;;
          -n)
            if [ "$2" = "$base" ] || [[ "$2" < "$base" ]]; then i=1
            else rest="${2#$base.}"; i=$(( ${rest%%.*} + 1 )); fi
            if [ "$i" -ge 1 ] && [ "$i" -le "$n" ]; then echo "$base.$i"; echo integer; cat "$dir/outlet.$i"; fi ;;
          -s)
            i=$(index_of "$2")
            if [ -z "$i" ] || [ ! -f "$dir/outlet.$i" ]; then echo not-writable; exit 0; fi
            if [ "$3" != integer ]; then echo wrong-type; exit 0; fi
            case "$4" in
              1) echo 1 > "$dir/outlet.$i" ;;
              2) echo 2 > "$dir/outlet.$i" ;;
              3) echo 1 > "$dir/outlet.$i" ;;
              *) echo wrong-value; exit 0 ;;
            esac
            echo "$(date +%s.%N) outlet $i set $4" >> "$dir/events.log" ;;
        esac
        exit 0
        """;
}
