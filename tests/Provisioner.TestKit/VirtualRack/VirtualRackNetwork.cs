using System.Globalization;

namespace Provisioner.TestKit.VirtualRack;

/// <summary>
/// A BPOD's L2 network on this machine: a network namespace with a bridge (the rack's switch) holding the appliance's
/// provisioning address, and one tap per machine. Nothing here touches the machine's own interfaces.
/// </summary>
public sealed class VirtualRackNetwork : IAsyncDisposable
{
    private readonly List<VirtualMachine> _machines = [];
    private readonly List<RoutedRack> _routedRacks = [];
    private int _macCounter;

    private VirtualRackNetwork(NetNamespace ns, string bridge, string cidr, string directory)
    {
        Namespace = ns;
        Bridge = bridge;
        Cidr = cidr;
        Directory = directory;
    }

    public NetNamespace Namespace { get; }

    /// <summary>The bridge device inside the namespace (serve DHCP on it).</summary>
    public string Bridge { get; }

    /// <summary>The appliance's address on the bridge with its prefix, e.g. 10.77.0.1/24.</summary>
    public string Cidr { get; }

    public string ApplianceAddress => Cidr.Split('/')[0];

    /// <summary>Working directory for disks, consoles and scripts (removed on dispose).</summary>
    public string Directory { get; }

    public IReadOnlyList<VirtualMachine> Machines => _machines;

    /// <summary>Creates the namespace, the bridge with <paramref name="cidr"/>, and a ULA so IPv6 configuration in iPXE ends quickly.</summary>
    public static async Task<VirtualRackNetwork> CreateAsync(string cidr = "10.77.0.1/24")
    {
        Peers.Require("qemu-system-x86_64", "qemu-system-x86");
        var ns = await NetNamespace.CreateAsync("rack");
        try
        {
            var br = await ns.AddBridgeAsync(cidr);
            var dir = System.IO.Directory.CreateTempSubdirectory("provisioner-rack-").FullName;
            return new VirtualRackNetwork(ns, br, cidr, dir);
        }
        catch
        {
            await ns.DisposeAsync();
            throw;
        }
    }

    /// <summary>The management network's prefix: BMCs are 10.78.0.(10+n), on the namespace's loopback.</summary>
    public const string ManagementPrefix = "10.78.0.";

    /// <summary>User and password of every machine's BMC.</summary>
    public static readonly Ipmi.IpmiSimUser BmcUser = new("admin", "rackpass");

    /// <summary>
    /// Adds a machine (see <see cref="AddMachineAsync(Func{string, MachineSpec}?)"/>) behind its own BMC: an ipmi_sim on
    /// 10.78.0.(10+n):623 whose power on/off/cycle/reset start and stop this machine, and whose boot device ("pxe", or
    /// "default" = force disk) picks what the machine boots at its next power-on. Its power state is the machine's own
    /// (a machine that powers itself off reads as off).
    /// </summary>
    /// <param name="cabled">False leaves the machine's NIC off the bridge: it powers on but can never PXE-boot.</param>
    public async Task<VirtualMachine> AddMachineWithBmcAsync(Func<string, MachineSpec>? describe = null, bool cabled = true)
    {
        var vm = await AddMachineAsync(Namespace, cabled ? Bridge : null, describe);
        var address = ManagementPrefix + (10 + _machines.Count).ToString(CultureInfo.InvariantCulture);
        // On the namespace's loopback: a management network only the appliance in this namespace reaches.
        await Namespace.ExecAsync("ip", "addr", "add", address + "/32", "dev", "lo");
        // -o: the lock fd is not inherited by qemu, or the lock would be held for the machine's whole life.
        string Locked(string command) => $"flock -o '{Path.Combine(vm.Directory, "power.lock")}' /bin/sh -c '{command}'";
        // The BMC's boot device becomes the machine's boot order at power-on (none: the firmware's order, disk then network).
        var chooseBoot = $"case $(cat \"$IPMI_SIM_DIR/boot\") in pxe) echo pxe;; default) echo disk;; *) echo auto;; esac > '{vm.BootDevicePath}'";
        var on = $"{chooseBoot}; {Locked($"/bin/sh {vm.StartScript}")}";
        var off = Locked($"/bin/sh {vm.StopScript}");
        vm.Bmc = await Ipmi.IpmiSimulator.StartAsync(new Ipmi.IpmiSimulatorOptions
        {
            Namespace = Namespace,
            Address = address,
            Port = 623,
            Name = vm.Spec.Name + "-bmc",
            Users = [BmcUser],
            Hooks = new Dictionary<string, string>
            {
                ["IPMI_SIM_ON_POWER_ON"] = on,
                ["IPMI_SIM_ON_POWER_OFF"] = off,
                ["IPMI_SIM_ON_RESET"] = $"{chooseBoot}; {Locked($"/bin/sh {vm.StopScript}; /bin/sh {vm.StartScript}")}",
                ["IPMI_SIM_POWER_PROBE"] = $"[ -s '{vm.PidPath}' ] && kill -0 $(cat '{vm.PidPath}')",
            },
        });
        return vm;
    }

    /// <summary>Adds a machine with a tap on the bridge; it is not started.</summary>
    public Task<VirtualMachine> AddMachineAsync(Func<string, MachineSpec>? describe = null) => AddMachineAsync(Namespace, Bridge, describe);

    /// <summary>
    /// Adds a machine whose tap is in <paramref name="ns"/> on <paramref name="bridge"/> (a routed rack's), or unplugged
    /// when <paramref name="bridge"/> is null: a machine that powers on but can never PXE-boot.
    /// </summary>
    public async Task<VirtualMachine> AddMachineAsync(NetNamespace ns, string? bridge, Func<string, MachineSpec>? describe = null)
    {
        var n = Interlocked.Increment(ref _macCounter);
        var name = $"m{n}";
        var mac = string.Create(CultureInfo.InvariantCulture, $"52:54:00:77:{(n >> 8) & 0xff:x2}:{n & 0xff:x2}");
        var spec = describe?.Invoke(mac) ?? new MachineSpec { Name = name, Mac = mac };
        var tap = NetNamespace.UniqueName("tap");
        await ns.ExecAsync("ip", "tuntap", "add", "dev", tap, "mode", "tap");
        if (bridge is not null)
        {
            await ns.ExecAsync("ip", "link", "set", tap, "master", bridge);
        }

        await ns.ExecAsync("ip", "link", "set", tap, "up");
        var dir = Path.Combine(Directory, spec.Name);
        System.IO.Directory.CreateDirectory(dir);
        var vm = new VirtualMachine(spec, dir, tap, ns.Name);
        vm.WriteFiles();
        _machines.Add(vm);
        return vm;
    }

    /// <summary>
    /// Adds an L3 rack: its own namespace (the rack behind its top-of-rack router) with a bridge at <paramref name="gatewayCidr"/>,
    /// routed to this network over a veth pair, and ISC dhcrelay forwarding its machines' DHCP to the appliance with
    /// giaddr = the gateway. Call before starting the appliance and add <see cref="RoutedRack.UplinkInCore"/> to its DHCP interfaces.
    /// </summary>
    public async Task<RoutedRack> AddRoutedRackAsync(string gatewayCidr = "10.79.0.1/24")
    {
        var rack = await RoutedRack.CreateAsync(this, gatewayCidr, _routedRacks.Count);
        _routedRacks.Add(rack);
        return rack;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var m in _machines)
        {
            if (m.Bmc is not null)
            {
                await m.Bmc.DisposeAsync(); // first, so nothing powers the machine on again
            }

            try
            {
                await m.StopAsync();
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }

            await m.Console.DisposeAsync();
        }

        foreach (var r in _routedRacks)
        {
            await r.DisposeAsync();
        }

        await Namespace.DisposeAsync();
        if (Environment.GetEnvironmentVariable("PROVISIONER_KEEP_RACK") != "1")
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
