namespace Provisioner.Boot.Planning;

/// <summary>What a network boot of a machine is for; picks the iPXE script and what the live agent is told.</summary>
public enum BootPurpose
{
    /// <summary>Do not answer (unknown BPOD, enlisting off, node broken): the reason says why.</summary>
    Ignore,

    /// <summary>An unknown machine: boot the live image, which enlists it and reports its hardware.</summary>
    Discover,

    /// <summary>Boot the live image to report hardware facts.</summary>
    Commission,

    /// <summary>Boot the live image to stream the OS image (or the installer, for installer profiles).</summary>
    Deploy,

    /// <summary>Boot the live image to wipe disks on release.</summary>
    Release,

    /// <summary>Boot the live image for repair, leaving the disk alone.</summary>
    Rescue,

    /// <summary>Boot from the local disk: the DHCP answer carries no boot file, iPXE exits to the next device.</summary>
    LocalBoot,
}
