namespace Provisioner.Agent.Protocol;

/// <summary>What the agent found on the machine. Collected from /sys and /proc only.</summary>
public sealed record HardwareFacts
{
    /// <summary>Processors.</summary>
    public required CpuFacts Cpu { get; init; }

    /// <summary>Usable memory the kernel reports (MemTotal), in bytes.</summary>
    public required long MemoryBytes { get; init; }

    /// <summary>Block devices that are disks (no loop, ram, dm, partitions).</summary>
    public required IReadOnlyList<DiskFacts> Disks { get; init; }

    /// <summary>Physical network interfaces (no loopback or virtual devices).</summary>
    public required IReadOnlyList<NicFacts> Nics { get; init; }

    /// <summary>SMBIOS/DMI identity.</summary>
    public required DmiFacts Dmi { get; init; }

    /// <summary>BIOS or UEFI.</summary>
    public required FirmwareMode Firmware { get; init; }

    /// <summary>MAC of the interface the machine PXE-booted from, when known.</summary>
    public string? BootMac { get; init; }

    /// <summary>The switch port seen on the boot interface through LLDP, when a frame arrived in time.</summary>
    public LldpNeighbor? Lldp { get; init; }
}

/// <summary>Processor facts from /proc/cpuinfo.</summary>
/// <param name="Model">"model name" of the first processor.</param>
/// <param name="Sockets">Distinct physical ids.</param>
/// <param name="Cores">Physical cores over all sockets.</param>
/// <param name="Threads">Logical processors.</param>
public sealed record CpuFacts(string Model, int Sockets, int Cores, int Threads);

/// <summary>A disk from /sys/block.</summary>
/// <param name="Path">Device node, e.g. <c>/dev/nvme0n1</c>.</param>
/// <param name="SizeBytes">Capacity in bytes.</param>
/// <param name="Model">Model string, if the driver exposes one.</param>
/// <param name="Serial">Serial number, if exposed.</param>
/// <param name="Rotational">True for spinning disks.</param>
/// <param name="Wwn">World wide name, if exposed.</param>
/// <param name="Removable">True for removable media (USB sticks, CD-ROMs).</param>
public sealed record DiskFacts(string Path, long SizeBytes, string? Model, string? Serial, bool Rotational, string? Wwn, bool Removable);

/// <summary>A network interface from /sys/class/net.</summary>
/// <param name="Name">Kernel name, e.g. <c>eth0</c>.</param>
/// <param name="Mac">MAC address, lower case with colons.</param>
/// <param name="Driver">Kernel driver, e.g. <c>virtio_net</c>, <c>ixgbe</c>.</param>
/// <param name="Link">Carrier detected.</param>
/// <param name="SpeedMbps">Link speed, when known.</param>
public sealed record NicFacts(string Name, string Mac, string? Driver, bool Link, int? SpeedMbps);

/// <summary>SMBIOS identity from /sys/class/dmi/id.</summary>
/// <param name="Vendor">System manufacturer.</param>
/// <param name="Product">Product name.</param>
/// <param name="Serial">System serial number.</param>
/// <param name="Uuid">System UUID.</param>
public sealed record DmiFacts(string? Vendor, string? Product, string? Serial, string? Uuid);

/// <summary>An LLDP neighbour (IEEE 802.1AB) seen on an interface.</summary>
/// <param name="Interface">Local interface the frame arrived on.</param>
/// <param name="ChassisId">Chassis ID TLV, rendered as text (a MAC as <c>aa:bb:..</c>).</param>
/// <param name="PortId">Port ID TLV, rendered as text.</param>
/// <param name="SystemName">System Name TLV, when present.</param>
/// <param name="PortDescription">Port Description TLV, when present.</param>
public sealed record LldpNeighbor(string Interface, string ChassisId, string PortId, string? SystemName, string? PortDescription);
