using System.Globalization;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Facts;

/// <summary>
/// Collects <see cref="HardwareFacts"/> from /proc and /sys below a root, so tests point it at a fake tree.
/// </summary>
public sealed class HardwareFactsCollector(SysfsReader fs)
{
    // Kernel block devices that are never install targets.
    private static readonly string[] VirtualDiskPrefixes = ["loop", "ram", "zram", "dm-", "md", "nbd", "fd"];

    /// <summary>Reads everything except LLDP (which needs a socket; see <see cref="Network.LldpListener"/>).</summary>
    public HardwareFacts Collect(string? bootMac) => new()
    {
        Cpu = CpuInfoParser.Parse(fs.Text("/proc/cpuinfo") ?? string.Empty),
        MemoryBytes = ReadMemTotal(),
        Disks = ReadDisks(),
        Nics = ReadNics(),
        Dmi = ReadDmi(),
        Firmware = ReadFirmware(),
        BootMac = bootMac,
    };

    /// <summary>BIOS or UEFI: the kernel exposes /sys/firmware/efi only when booted through UEFI.</summary>
    public FirmwareMode ReadFirmware() => fs.Exists("/sys/firmware/efi") ? FirmwareMode.Uefi : FirmwareMode.Bios;

    /// <summary>MemTotal from /proc/meminfo, in bytes.</summary>
    public long ReadMemTotal()
    {
        foreach (var line in (fs.Text("/proc/meminfo") ?? string.Empty).Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb))
                {
                    return kb * 1024;
                }
            }
        }

        return 0;
    }

    /// <summary>Disks from /sys/block: devices backed by hardware (a <c>device</c> link), sizes in 512-byte sectors.</summary>
    public IReadOnlyList<DiskFacts> ReadDisks()
    {
        var disks = new List<DiskFacts>();
        foreach (var name in fs.Entries("/sys/block"))
        {
            if (VirtualDiskPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)) || !fs.Exists($"/sys/block/{name}/device"))
            {
                continue;
            }

            var b = $"/sys/block/{name}";
            // The size attribute is always in 512-byte units, whatever the logical block size (Documentation/ABI/stable/sysfs-block).
            var size = (fs.Long($"{b}/size") ?? 0) * 512;
            var model = fs.Text($"{b}/device/model");
            var serial = fs.Text($"{b}/device/serial") ?? fs.Text($"{b}/serial") ?? ReadVpdSerial($"{b}/device/vpd_pg80");
            var wwn = fs.Text($"{b}/wwid") ?? fs.Text($"{b}/device/wwid");
            var rotational = fs.Long($"{b}/queue/rotational") == 1;
            var removable = fs.Long($"{b}/removable") == 1 || name.StartsWith("sr", StringComparison.Ordinal);
            disks.Add(new DiskFacts("/dev/" + name, size, model, serial, rotational, wwn, removable));
        }

        return disks;
    }

    /// <summary>Physical NICs from /sys/class/net (those with a <c>device</c> link), MAC, driver, carrier and speed.</summary>
    public IReadOnlyList<NicFacts> ReadNics()
    {
        var nics = new List<NicFacts>();
        foreach (var name in fs.Entries("/sys/class/net"))
        {
            var n = $"/sys/class/net/{name}";
            if (name == "lo" || !fs.Exists($"{n}/device"))
            {
                continue;
            }

            var mac = (fs.Text($"{n}/address") ?? string.Empty).ToLowerInvariant();
            var driver = fs.LinkName($"{n}/device/driver");
            var link = fs.Long($"{n}/carrier") == 1;
            var speed = fs.Long($"{n}/speed");
            nics.Add(new NicFacts(name, mac, driver, link, speed is > 0 and < int.MaxValue ? (int)speed : null));
        }

        return nics;
    }

    /// <summary>SMBIOS identity from /sys/class/dmi/id (root-only files like product_serial need root, as the agent is).</summary>
    public DmiFacts ReadDmi()
    {
        const string d = "/sys/class/dmi/id";
        return new DmiFacts(fs.Text($"{d}/sys_vendor"), fs.Text($"{d}/product_name"), fs.Text($"{d}/product_serial"), fs.Text($"{d}/product_uuid"));
    }

    // SCSI VPD page 0x80 (Unit Serial Number): 4-byte header, then page length bytes of ASCII. SPC-4 §7.8.18.
    private string? ReadVpdSerial(string absolute)
    {
        try
        {
            var bytes = File.ReadAllBytes(fs.PathOf(absolute));
            if (bytes.Length < 4 || bytes[1] != 0x80)
            {
                return null;
            }

            var length = Math.Min(bytes[3], bytes.Length - 4);
            var serial = System.Text.Encoding.ASCII.GetString(bytes, 4, length).Trim(' ', '\0');
            return serial.Length == 0 ? null : serial;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
