namespace Provisioner.Imaging.Targets;

/// <summary>What to do with the all-zero ranges of a sparse image on a block device (files always get holes).</summary>
public enum ZeroMode
{
    /// <summary>Write nothing: fastest; the range keeps whatever the disk held (fine for filesystems that never read
    /// unallocated blocks; the whole-image digest is still computed over zeros, as the image defines them).</summary>
    Skip,
    /// <summary>BLKZEROOUT (the default): the device zeroes the range (WRITE ZEROES/UNMAP offload where supported,
    /// the kernel writes zeros otherwise), so the disk reads back exactly the verified image.</summary>
    ZeroOut,
    /// <summary>BLKDISCARD: trims the range (SSD/thin LUN); contents read back are device-defined.</summary>
    Discard,
    /// <summary>Write zero blocks: slow but works everywhere.</summary>
    Write,
}
