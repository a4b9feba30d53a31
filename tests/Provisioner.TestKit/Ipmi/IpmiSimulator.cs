using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Provisioner.Net;

namespace Provisioner.TestKit.Ipmi;

/// <summary>A user configured in the simulated BMC.</summary>
/// <param name="Name">User name.</param>
/// <param name="Password">Password.</param>
/// <param name="Privilege">"user", "operator" or "admin".</param>
public sealed record IpmiSimUser(string Name, string Password, string Privilege = "admin");

/// <summary>How to start an <see cref="IpmiSimulator"/>.</summary>
public sealed record IpmiSimulatorOptions
{
    /// <summary>Users (slot 2 upwards); user 1 (anonymous) stays disabled.</summary>
    public IReadOnlyList<IpmiSimUser> Users { get; init; } = [new("admin", "rackpass")];

    /// <summary>Start inside this namespace (the address is then its loopback or one of its addresses).</summary>
    public NetNamespace? Namespace { get; init; }

    /// <summary>Address to listen on.</summary>
    public string Address { get; init; } = "127.0.0.1";

    /// <summary>UDP port; 0 picks a free one (inside a namespace 623 is used unless given).</summary>
    public int Port { get; init; }

    /// <summary>A chassis program to use instead of <see cref="ChassisControlScript"/>: a path; it is run as "prog 0x20 get|set ...".</summary>
    public string? ChassisProgram { get; init; }

    /// <summary>Hook commands for the default script (IPMI_SIM_ON_POWER_ON, ...); written to hooks.env.</summary>
    public IReadOnlyDictionary<string, string> Hooks { get; init; } = new Dictionary<string, string>();

    /// <summary>Initial power state written before start.</summary>
    public bool InitiallyOn { get; init; }

    /// <summary>BMC name in lan.conf.</summary>
    public string Name { get; init; } = "simbmc";
}

/// <summary>
/// A real OpenIPMI <c>ipmi_sim</c> (Debian package openipmi) in <c>chassis_control</c> mode, on a free
/// loopback port or inside a network namespace, with its own temporary directory. The default chassis
/// program keeps power and boot device in files there (see <see cref="ChassisControlScript"/>).
/// Stopped by its PID and its directory removed on dispose.
/// </summary>
public sealed class IpmiSimulator : IAsyncDisposable
{
    private readonly PeerProcess _process;

    private IpmiSimulator(PeerProcess process, string directory, IPEndPoint endPoint, IpmiSimulatorOptions options)
    {
        _process = process;
        Directory = directory;
        EndPoint = endPoint;
        Options = options;
    }

    /// <summary>The simulator's directory (lan.conf, state, chassis files).</summary>
    public string Directory { get; }

    /// <summary>Where the LAN channel listens (inside the namespace when one was given).</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The options it was started with.</summary>
    public IpmiSimulatorOptions Options { get; }

    /// <summary>The ipmi_sim PID.</summary>
    public int Pid => _process.Pid;

    /// <summary>ipmi_sim's output so far (for failure messages).</summary>
    public string Output => _process.Stdout + _process.Stderr;

    /// <summary>Starts ipmi_sim and waits until its LAN channel answers.</summary>
    public static async Task<IpmiSimulator> StartAsync(IpmiSimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new IpmiSimulatorOptions();
        var ipmiSim = Peers.Require("ipmi_sim", "openipmi");
        var dir = Path.Combine(Path.GetTempPath(), "ipmisim-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "state"));
        try
        {
            var port = options.Port != 0 ? options.Port : options.Namespace is not null ? 623 : FreeUdpPort(options.Address);
            var program = options.ChassisProgram;
            if (program is null)
            {
                program = Path.Combine(dir, "chassis-control.sh");
                await File.WriteAllTextAsync(program, ChassisControlScript.Text.Replace("\r", "", StringComparison.Ordinal) + "\n", cancellationToken);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
                }
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "power"), options.InitiallyOn ? "1\n" : "0\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "boot"), "none\n", cancellationToken);
            var hooks = new StringBuilder();
            foreach (var (k, v) in options.Hooks)
            {
                hooks.Append(k).Append("='").Append(v.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
            }

            await File.WriteAllTextAsync(Path.Combine(dir, "hooks.env"), hooks.ToString(), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "lan.conf"), LanConf(options, port, program), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dir, "sim.emu"), """
                mc_setbmc 0x20
                mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
                sel_enable 0x20 1000 0x0a
                mc_enable 0x20

                """, cancellationToken);

            var process = PeerProcess.Start(ipmiSim,
                ["-c", Path.Combine(dir, "lan.conf"), "-f", Path.Combine(dir, "sim.emu"), "-s", Path.Combine(dir, "state"), "-n"],
                options.Namespace?.Name, dir);
            var sim = new IpmiSimulator(process, dir, new IPEndPoint(IPAddress.Parse(options.Address), port), options);
            try
            {
                await sim.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch
            {
                await sim.DisposeAsync();
                throw;
            }

            return sim;
        }
        catch
        {
            TryDelete(dir);
            throw;
        }
    }

    /// <summary>A UDP channel that can reach the simulator (created inside its namespace when it has one).</summary>
    public IDatagramChannel CreateChannel()
    {
        var settings = new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Any, 0) };
        return Options.Namespace is { } ns ? ns.RunInside<IDatagramChannel>(() => new UdpDatagramChannel(settings)) : new UdpDatagramChannel(settings);
    }

    /// <summary>The chassis power the program last recorded (true = on).</summary>
    public bool PowerFileSaysOn => File.ReadAllText(Path.Combine(Directory, "power")).Trim() == "1";

    /// <summary>The boot device the program last recorded ("none", "pxe", "default", "cdrom", "bios").</summary>
    public string BootFile => File.ReadAllText(Path.Combine(Directory, "boot")).Trim();

    /// <summary>Every change the chassis program recorded, one per line.</summary>
    public string EventsLog => File.Exists(Path.Combine(Directory, "events.log")) ? File.ReadAllText(Path.Combine(Directory, "events.log")) : string.Empty;

    /// <summary>Sets the power file directly (a machine turned on by hand).</summary>
    public void SetPowerFile(bool on) => File.WriteAllText(Path.Combine(Directory, "power"), on ? "1\n" : "0\n");

    /// <summary>Arguments for <c>ipmitool -I lanplus -C 3</c> against this BMC, followed by <paramref name="command"/>.</summary>
    public string[] IpmitoolArgs(IpmiSimUser user, params string[] command) =>
        ["-I", "lanplus", "-C", "3", "-H", EndPoint.Address.ToString(), "-p", EndPoint.Port.ToString(CultureInfo.InvariantCulture),
         "-U", user.Name, "-P", user.Password, "-N", "1", "-R", "2", .. command];

    /// <summary>Runs ipmitool against this BMC (inside its namespace when it has one).</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> IpmitoolAsync(IpmiSimUser user, params string[] command) =>
        await PeerProcess.RunAsync(Peers.Require("ipmitool"), IpmitoolArgs(user, command), TimeSpan.FromSeconds(30), Options.Namespace?.Name);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        TryDelete(Directory);
    }

    private async Task WaitUntilAnsweringAsync(TimeSpan limit, CancellationToken ct)
    {
        // Get Channel Authentication Capabilities as an RMCP/IPMI v1.5 packet (IPMI v2.0 §22.13).
        byte[] ping = [0x06, 0x00, 0xFF, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x09, 0x20, 0x18, 0xC8, 0x81, 0x04, 0x38, 0x8E, 0x04, 0x00];
        ping[^1] = (byte)(0x100 - ((0x81 + 0x04 + 0x38 + 0x8E + 0x04) & 0xFF));
        await using var channel = CreateChannel();
        var deadline = DateTime.UtcNow + limit;
        var buffer = new byte[512];
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"ipmi_sim exited with {_process.ExitCode}:\n{Output}");
            }

            await channel.SendAsync(EndPoint, ping, ct);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                var r = await channel.ReceiveAsync(buffer, cts.Token);
                if (r.Length > 0)
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

        throw new TimeoutException($"ipmi_sim did not answer on {EndPoint} within {limit.TotalSeconds} s:\n{Output}");
    }

    private static string LanConf(IpmiSimulatorOptions o, int port, string program)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"name \"{o.Name}\"\n");
        sb.Append("set_working_mc 0x20\n");
        sb.Append("  startlan 1\n");
        sb.Append(CultureInfo.InvariantCulture, $"    addr {o.Address} {port}\n");
        sb.Append("    priv_limit admin\n");
        foreach (var level in new[] { "callback", "user", "operator", "admin" })
        {
            sb.Append(CultureInfo.InvariantCulture, $"    allowed_auths_{level} md5\n");
        }

        sb.Append("    guid a123456789abcdefa123456789abcdef\n");
        sb.Append("  endlan\n");
        sb.Append(CultureInfo.InvariantCulture, $"  chassis_control \"{program} 0x20\"\n");
        sb.Append("  user 1 false \"\" \"unused\" user 10 md5\n");
        var slot = 2;
        foreach (var u in o.Users)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  user {slot++} true \"{u.Name}\" \"{u.Password}\" {u.Privilege} 10 md5\n");
        }

        return sb.ToString();
    }

    private static int FreeUdpPort(string address)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            System.IO.Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
