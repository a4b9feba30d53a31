using System.Globalization;
using System.Text;

namespace Provisioner.TestKit.VirtualRack;

/// <summary>Firmware of an emulated machine.</summary>
public enum Firmware
{
    /// <summary>SeaBIOS; the NIC's ROM is iPXE (qemu's ipxe-qemu ROM).</summary>
    Bios,

    /// <summary>OVMF (EDK2); the NIC's EFI ROM is iPXE.</summary>
    Uefi,
}

/// <summary>What a machine of the virtual rack looks like.</summary>
public sealed record MachineSpec
{
    public required string Name { get; init; }

    public required string Mac { get; init; }

    public Firmware Firmware { get; init; } = Firmware.Bios;

    public int MemoryMb { get; init; } = 1536;

    public long DiskBytes { get; init; } = 1L << 30;

    /// <summary>qemu NIC model: virtio-net-pci (fast) or e1000.</summary>
    public string NicModel { get; init; } = "virtio-net-pci";

    /// <summary>Connect qemu's ipmi-bmc-extern to this TCP port on the namespace's loopback (ipmi_sim's VM channel), or null.</summary>
    public int? BmcVmPort { get; init; }
}

/// <summary>
/// One emulated machine: a tap on the rack's bridge, a blank sparse disk, a serial console file, and two scripts,
/// vm-start.sh and vm-stop.sh, that start it detached (pid file) and stop it by that PID. The same scripts are what a
/// BMC simulator's chassis-control program calls, so an IPMI power-on really starts the machine.
/// The next boot device is read from the file <c>bootdev</c> ("pxe", "disk" or "auto") at each start.
/// </summary>
public sealed class VirtualMachine
{
    internal VirtualMachine(MachineSpec spec, string directory, string tap, string netns)
    {
        Spec = spec;
        Directory = directory;
        Tap = tap;
        Netns = netns;
        Console = new SerialConsole(SerialPath);
    }

    public MachineSpec Spec { get; }

    public string Directory { get; }

    public string Tap { get; }

    public string Netns { get; }

    public SerialConsole Console { get; }

    /// <summary>The machine's own BMC (an ipmi_sim whose power and boot device act on this machine), or null.</summary>
    public Ipmi.IpmiSimulator? Bmc { get; internal set; }

    public string DiskPath => Path.Combine(Directory, "disk.raw");

    public string SerialPath => Path.Combine(Directory, "serial.log");

    public string PidPath => Path.Combine(Directory, "qemu.pid");

    public string StartScript => Path.Combine(Directory, "vm-start.sh");

    public string StopScript => Path.Combine(Directory, "vm-stop.sh");

    public string BootDevicePath => Path.Combine(Directory, "bootdev");

    /// <summary>The qemu process id while it runs, else null.</summary>
    public int? Pid
    {
        get
        {
            if (!File.Exists(PidPath))
            {
                return null;
            }

            var text = File.ReadAllText(PidPath).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && File.Exists($"/proc/{pid}/cmdline") ? pid : null;
        }
    }

    public bool IsRunning => Pid is not null;

    internal void WriteFiles()
    {
        if (!File.Exists(DiskPath))
        {
            using var disk = new FileStream(DiskPath, FileMode.CreateNew);
            disk.SetLength(Spec.DiskBytes);
        }

        File.WriteAllText(BootDevicePath, "pxe\n");
        var sb = new StringBuilder();
        sb.Append("#!/bin/sh\n");
        sb.Append("# Starts this machine detached (the BMC simulator must not wait for it); pid in qemu.pid.\n");
        sb.Append(CultureInfo.InvariantCulture, $"cd '{Directory}'\n");
        sb.Append("if [ -f qemu.pid ] && kill -0 \"$(cat qemu.pid)\" 2>/dev/null; then exit 0; fi\n");
        // pxe: network first (then disk); disk: the disk only (IPMI "force disk"); auto: disk, then network (a blank disk falls through to PXE).
        sb.Append("case \"$(cat bootdev 2>/dev/null)\" in\n");
        sb.Append("  disk) NETBOOT=''; DISKBOOT=',bootindex=1' ;;\n");
        sb.Append("  auto) NETBOOT=',bootindex=2'; DISKBOOT=',bootindex=1' ;;\n");
        sb.Append("  *) NETBOOT=',bootindex=1'; DISKBOOT=',bootindex=2' ;;\n");
        sb.Append("esac\n");
        var firmware = Spec.Firmware == Firmware.Uefi
            ? $"-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd -drive if=pflash,format=raw,file='{Path.Combine(Directory, "OVMF_VARS.fd")}' "
            : string.Empty;
        var bmc = Spec.BmcVmPort is { } port
            ? $"-chardev socket,id=ipmi0,host=127.0.0.1,port={port},reconnect=10 -device ipmi-bmc-extern,id=bmc0,chardev=ipmi0 -device isa-ipmi-kcs,bmc=bmc0,irq=5 "
            : string.Empty;
        var qemu = string.Create(CultureInfo.InvariantCulture,
            $"setsid -f qemu-system-x86_64 -name '{Spec.Name}' -accel tcg -machine q35,graphics=off -cpu max -m {Spec.MemoryMb} " +
            $"-nodefaults -display none -boot strict=on -chardev file,id=ser0,path=serial.log,append=on -serial chardev:ser0 -pidfile qemu.pid ") +
            firmware + bmc +
            $"-drive file=disk.raw,if=none,id=disk0,format=raw,cache=unsafe -device virtio-blk-pci,drive=disk0$DISKBOOT " +
            $"-netdev tap,id=net0,ifname={Tap},script=no,downscript=no -device {Spec.NicModel},netdev=net0,mac={Spec.Mac}$NETBOOT " +
            "</dev/null >qemu.out 2>&1\n";
        sb.Append(qemu);
        sb.Append("for i in $(seq 1 50); do [ -s qemu.pid ] && exit 0; sleep 0.1; done\n");
        sb.Append("echo 'qemu did not start:' >&2; cat qemu.out >&2; exit 1\n");
        WriteScript(StartScript, sb.ToString());

        WriteScript(StopScript,
            "#!/bin/sh\n# Stops this machine by its own PID (never by name).\n" +
            $"cd '{Directory}'\n" +
            "[ -f qemu.pid ] || exit 0\npid=$(cat qemu.pid)\nkill -TERM \"$pid\" 2>/dev/null\n" +
            "for i in $(seq 1 30); do kill -0 \"$pid\" 2>/dev/null || { rm -f qemu.pid; exit 0; }; sleep 0.1; done\n" +
            "kill -KILL \"$pid\" 2>/dev/null; rm -f qemu.pid; exit 0\n");

        if (Spec.Firmware == Firmware.Uefi && !File.Exists(Path.Combine(Directory, "OVMF_VARS.fd")))
        {
            File.Copy("/usr/share/OVMF/OVMF_VARS.fd", Path.Combine(Directory, "OVMF_VARS.fd"));
        }
    }

    /// <summary>Powers the machine on directly (without its BMC).</summary>
    public async Task StartAsync()
    {
        var (rc, o, e) = await PeerProcess.RunAsync(Peers.Require("ip"), ["netns", "exec", Netns, "/bin/sh", StartScript], TimeSpan.FromSeconds(30));
        if (rc != 0)
        {
            throw new InvalidOperationException($"Machine {Spec.Name} did not start: {o}{e}");
        }
    }

    /// <summary>Powers the machine off by its PID.</summary>
    public async Task StopAsync()
    {
        await PeerProcess.RunAsync("/bin/sh", [StopScript], TimeSpan.FromSeconds(30));
    }

    /// <summary>Sets the device the next start boots from ("pxe", "disk" or "auto").</summary>
    public void SetBootDevice(string device) => File.WriteAllText(BootDevicePath, device + "\n");

    private static void WriteScript(string path, string content)
    {
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }
}
