using System.Diagnostics;
using System.Globalization;

namespace Provisioner.TestKit.LiveImage;

/// <summary>How to start a test machine.</summary>
public sealed record QemuMachineOptions
{
    /// <summary>Kernel for direct boot (<c>-kernel</c>); null to boot from firmware (PXE, disk).</summary>
    public string? Kernel { get; init; }

    /// <summary>Initrd for direct boot.</summary>
    public string? Initrd { get; init; }

    /// <summary>Kernel command line for direct boot.</summary>
    public string? Append { get; init; }

    /// <summary>Guest memory in MiB (the live image unpacks to about 80 MB of RAM).</summary>
    public int MemoryMiB { get; init; } = 768;

    /// <summary>NIC model: virtio-net-pci (fastest under TCG) or e1000.</summary>
    public string NicModel { get; init; } = "virtio-net-pci";

    /// <summary>MAC of the first NIC.</summary>
    public string Mac { get; init; } = "52:54:00:77:00:01";

    /// <summary>
    /// Network backend: null for user-mode networking (slirp, <c>restrict=on</c>: the guest reaches nothing but
    /// <see cref="GuestForwards"/>); or a tap device name (create it inside a namespace and run qemu there).
    /// </summary>
    public string? TapDevice { get; init; }

    /// <summary>
    /// User-mode networking only: guest address:port → host 127.0.0.1:port (e.g. the appliance). The guest address must
    /// not be slirp's own (10.0.2.2/.3); 10.0.2.100 is a good choice.
    /// </summary>
    public IReadOnlyList<(string GuestAddress, int GuestPort, int HostPort)> GuestForwards { get; init; } = [];

    /// <summary>Raw disk images attached as virtio-blk (in order: vda, vdb, ...).</summary>
    public IReadOnlyList<string> Disks { get; init; } = [];

    /// <summary>Extra qemu arguments (firmware, IPMI devices...).</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Network namespace to run qemu in (for tap devices created there).</summary>
    public string? NetNamespace { get; init; }

    /// <summary>Where to copy the clean console lines (a file path), or null.</summary>
    public string? ConsoleLogPath { get; init; }
}

/// <summary>
/// A qemu machine under TCG (KVM is not usable on these machines: virtual-rack.md) whose serial console is followed
/// for <c>PROVISIONER-EVENT</c> lines. Stopped by its own PID when disposed.
/// </summary>
public sealed class QemuMachine : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _reader;
    private readonly StreamWriter? _log;
    private readonly System.Text.StringBuilder _stderr = new();

    private QemuMachine(Process process, SerialLogFollower console, StreamWriter? log)
    {
        _process = process;
        Console = console;
        _log = log;
        _reader = Task.Run(ReadConsoleAsync);
    }

    /// <summary>The followed serial console.</summary>
    public SerialLogFollower Console { get; }

    /// <summary>True once qemu has exited (the guest powered off with <c>-no-reboot</c>, or it crashed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>What qemu itself printed on stderr (bad arguments, missing files).</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>qemu's PID.</summary>
    public int Pid => _process.Id;

    /// <summary>The qemu command line for <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> BuildArguments(QemuMachineOptions options)
    {
        var args = new List<string>
        {
            "-accel", "tcg", "-machine", "q35,graphics=off", "-cpu", "max", "-smp", "1",
            "-m", options.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-display", "none", "-serial", "stdio", "-monitor", "none", "-no-reboot",
        };
        if (options.Kernel is not null)
        {
            args.AddRange(["-kernel", options.Kernel]);
            if (options.Initrd is not null)
            {
                args.AddRange(["-initrd", options.Initrd]);
            }

            if (options.Append is not null)
            {
                args.AddRange(["-append", options.Append]);
            }
        }

        if (options.TapDevice is not null)
        {
            args.AddRange(["-netdev", $"tap,id=net0,ifname={options.TapDevice},script=no,downscript=no"]);
        }
        else
        {
            // guestfwd's "-tcp:host:port" form is ONE chardev connection for the machine's whole life; the "-cmd:" form
            // spawns the command per guest connection, so every HTTP request gets through (busybox nc relays it).
            var nc = options.GuestForwards.Count == 0 ? string.Empty : Peers.Require("busybox", "busybox");
            var netdev = "user,id=net0,restrict=on" + string.Concat(options.GuestForwards.Select(f =>
                string.Create(CultureInfo.InvariantCulture, $",guestfwd=tcp:{f.GuestAddress}:{f.GuestPort}-cmd:{nc} nc 127.0.0.1 {f.HostPort}")));
            args.AddRange(["-netdev", netdev]);
        }

        args.AddRange(["-device", $"{options.NicModel},netdev=net0,mac={options.Mac}"]);
        for (var i = 0; i < options.Disks.Count; i++)
        {
            args.AddRange(["-drive", $"file={options.Disks[i]},if=none,id=disk{i},format=raw,cache=unsafe", "-device", $"virtio-blk-pci,drive=disk{i}"]);
        }

        args.AddRange(options.ExtraArgs);
        return args;
    }

    /// <summary>Starts the machine (fails naming the Debian package when qemu is missing).</summary>
    public static QemuMachine Start(QemuMachineOptions options)
    {
        var qemu = Peers.Require("qemu-system-x86_64", "qemu-system-x86");
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (options.NetNamespace is not null)
        {
            psi.FileName = Peers.Require("ip", "iproute2");
            foreach (var a in new[] { "netns", "exec", options.NetNamespace, qemu })
            {
                psi.ArgumentList.Add(a);
            }
        }
        else
        {
            psi.FileName = qemu;
        }

        foreach (var a in BuildArguments(options))
        {
            psi.ArgumentList.Add(a);
        }

        var log = options.ConsoleLogPath is null ? null : new StreamWriter(options.ConsoleLogPath) { AutoFlush = true };
        var console = new SerialLogFollower(Stopwatch.StartNew(), log);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("qemu did not start");
        process.StandardInput.Close();
        var machine = new QemuMachine(process, console, log);
        var stderr = process.StandardError;
        _ = Task.Run(async () =>
        {
            while (await stderr.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                lock (machine._stderr)
                {
                    machine._stderr.AppendLine(line);
                }
            }
        });
        return machine;
    }

    /// <summary>Waits for qemu to exit; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Stops qemu (by its PID) and ends the console.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited in between
            }
        }

        await WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ReadConsoleAsync()
    {
        var stream = _process.StandardOutput.BaseStream;
        var buffer = new byte[4096];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                Console.Feed(buffer.AsSpan(0, n));
            }
        }
        catch (IOException)
        {
            // qemu went away
        }
        finally
        {
            Console.Complete();
        }
    }
}
