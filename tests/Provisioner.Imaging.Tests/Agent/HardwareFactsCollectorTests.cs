using Provisioner.Agent.Facts;
using Provisioner.Agent.Protocol;

namespace Provisioner.Imaging.Tests.Agent;

[Trait("Area", "Agent")]
public sealed class HardwareFactsCollectorTests : IDisposable
{
    private readonly FakeSysfs _fs = new();

    public void Dispose() => _fs.Dispose();

    [Fact]
    public void ParseCpuInfo_TwoSocketsWithHyperThreads_CountsSocketsCoresThreads()
    {
        var text = string.Concat(Enumerable.Range(0, 8).Select(i =>
            $"processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\nphysical id\t: {i / 4}\ncore id\t\t: {i % 2}\ncpu cores\t: 2\n\n"));

        var cpu = CpuInfoParser.Parse(text);

        Assert.Equal("Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz", cpu.Model);
        Assert.Equal(2, cpu.Sockets);
        Assert.Equal(4, cpu.Cores);
        Assert.Equal(8, cpu.Threads);
    }

    [Fact]
    public void ParseCpuInfo_NoTopologyFields_CountsEveryProcessorAsACore()
    {
        var cpu = CpuInfoParser.Parse("processor\t: 0\nmodel name\t: QEMU Virtual CPU version 2.5+\n\nprocessor\t: 1\nmodel name\t: QEMU Virtual CPU version 2.5+\n");

        Assert.Equal((1, 2, 2), (cpu.Sockets, cpu.Cores, cpu.Threads));
    }

    [Fact]
    public void ParseCpuInfo_Empty_ReportsUnknown()
    {
        var cpu = CpuInfoParser.Parse(string.Empty);

        Assert.Equal("unknown", cpu.Model);
        Assert.Equal(0, cpu.Threads);
    }

    [Fact]
    public void Collect_FakeTree_ReadsMemoryDisksNicsDmiAndFirmware()
    {
        _fs.File("/proc/cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 7443P\nphysical id\t: 0\ncore id\t: 0\n")
            .File("/proc/meminfo", "MemTotal:       16318412 kB\nMemFree:         1000 kB\n")
            // A SATA disk with model, VPD serial and WWN, rotational.
            .Dir("/sys/devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0")
            .Link("/sys/block/sda/device", "../../devices/pci0000:00/ata1/host0/target0:0:0/0:0:0:0")
            .File("/sys/block/sda/size", "3907029168\n")
            .File("/sys/block/sda/queue/rotational", "1\n")
            .File("/sys/block/sda/removable", "0\n")
            .File("/sys/block/sda/device/model", "ST2000NM0055-1V4\n")
            .Bytes("/sys/block/sda/device/vpd_pg80", [0x00, 0x80, 0x00, 0x08, .. "ZBS1A2B3"u8.ToArray()])
            .File("/sys/block/sda/device/wwid", "naa.5000c500a1b2c3d4\n")
            .File("/sys/block/sda/sda1/start", "2048\n")
            // An NVMe namespace: serial on the controller, wwid on the block device.
            .Dir("/sys/devices/pci0000:00/nvme0")
            .Link("/sys/block/nvme0n1/device", "../../devices/pci0000:00/nvme0")
            .File("/sys/block/nvme0n1/size", "1875385008\n")
            .File("/sys/block/nvme0n1/queue/rotational", "0\n")
            .File("/sys/block/nvme0n1/removable", "0\n")
            .File("/sys/block/nvme0n1/device/model", "SAMSUNG MZQL2960HCJR-00A07  \n")
            .File("/sys/block/nvme0n1/device/serial", "S64FNE0R500123      \n")
            .File("/sys/block/nvme0n1/wwid", "eui.36344630528001230025384500000001\n")
            // A USB stick (removable) and virtual devices that must be skipped.
            .Dir("/sys/devices/usb1/1-1")
            .Link("/sys/block/sdb/device", "../../devices/usb1/1-1")
            .File("/sys/block/sdb/size", "60062500\n")
            .File("/sys/block/sdb/removable", "1\n")
            .File("/sys/block/loop0/size", "100\n")
            .File("/sys/block/dm-0/size", "100\n")
            // NICs: a physical one with a driver, a down one, loopback and a bridge.
            .Dir("/sys/bus/pci/drivers/ixgbe")
            .Dir("/sys/devices/pci0000:00/0000:03:00.0")
            .Link("/sys/devices/pci0000:00/0000:03:00.0/driver", "../../../bus/pci/drivers/ixgbe")
            .Link("/sys/class/net/eno1/device", "../../../devices/pci0000:00/0000:03:00.0")
            .File("/sys/class/net/eno1/address", "3C:EC:EF:01:02:03\n")
            .File("/sys/class/net/eno1/carrier", "1\n")
            .File("/sys/class/net/eno1/speed", "10000\n")
            .Dir("/sys/devices/pci0000:00/0000:03:00.1")
            .Link("/sys/class/net/eno2/device", "../../../devices/pci0000:00/0000:03:00.1")
            .File("/sys/class/net/eno2/address", "3c:ec:ef:01:02:04\n")
            .File("/sys/class/net/eno2/carrier", "0\n")
            .File("/sys/class/net/eno2/speed", "-1\n")
            .File("/sys/class/net/lo/address", "00:00:00:00:00:00\n")
            .File("/sys/class/net/br0/address", "02:00:00:00:00:01\n")
            .File("/sys/class/dmi/id/sys_vendor", "Supermicro\n")
            .File("/sys/class/dmi/id/product_name", "SYS-1029U-TR4\n")
            .File("/sys/class/dmi/id/product_serial", "S123456X\n")
            .File("/sys/class/dmi/id/product_uuid", "00000000-0000-0000-0000-3cecef010203\n")
            .Dir("/sys/firmware/efi");

        var facts = new HardwareFactsCollector(new SysfsReader(_fs.Root)).Collect("3c:ec:ef:01:02:03");

        Assert.Equal(16318412L * 1024, facts.MemoryBytes);
        Assert.Equal(FirmwareMode.Uefi, facts.Firmware);
        Assert.Equal("3c:ec:ef:01:02:03", facts.BootMac);
        Assert.Equal(
            [
                new DiskFacts("/dev/nvme0n1", 1875385008L * 512, "SAMSUNG MZQL2960HCJR-00A07", "S64FNE0R500123", false, "eui.36344630528001230025384500000001", false),
                new DiskFacts("/dev/sda", 3907029168L * 512, "ST2000NM0055-1V4", "ZBS1A2B3", true, "naa.5000c500a1b2c3d4", false),
                new DiskFacts("/dev/sdb", 60062500L * 512, null, null, false, null, true),
            ],
            facts.Disks);
        Assert.Equal(
            [new NicFacts("eno1", "3c:ec:ef:01:02:03", "ixgbe", true, 10000), new NicFacts("eno2", "3c:ec:ef:01:02:04", null, false, null)],
            facts.Nics);
        Assert.Equal(new DmiFacts("Supermicro", "SYS-1029U-TR4", "S123456X", "00000000-0000-0000-0000-3cecef010203"), facts.Dmi);
    }

    [Fact]
    public void Collect_EmptyTree_ReturnsEmptyFactsInsteadOfThrowing()
    {
        var facts = new HardwareFactsCollector(new SysfsReader(_fs.Root)).Collect(null);

        Assert.Empty(facts.Disks);
        Assert.Empty(facts.Nics);
        Assert.Equal(0, facts.MemoryBytes);
        Assert.Equal(FirmwareMode.Bios, facts.Firmware);
        Assert.Equal(new DmiFacts(null, null, null, null), facts.Dmi);
    }
}
