using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Provisioner.Agent.Disks;

/// <summary>
/// What the agent needs from a disk that .NET does not offer: the size of a block device (fstat reports 0 for
/// those, lseek(SEEK_END) works for devices and files alike), fsync, and the zero-out/discard ioctls.
/// </summary>
public static partial class BlockDevice
{
    private const int SeekEnd = 2;

    // include/uapi/linux/fs.h: _IO(0x12, 127) and _IO(0x12, 119), each taking a uint64_t[2] {offset, length}.
    private const ulong BlkZeroOut = 0x127F;
    private const ulong BlkDiscard = 0x1277;

    // _IO(0x12, 95): re-read the partition table.
    private const ulong BlkRrPart = 0x125F;

    /// <summary>Size in bytes of an open disk or file.</summary>
    public static long SizeOf(SafeFileHandle handle)
    {
        var size = LSeek(handle, 0, SeekEnd);
        if (size < 0)
        {
            throw new IOException($"cannot get the size: errno {Marshal.GetLastPInvokeError()}");
        }

        return size;
    }

    /// <summary>Size in bytes of the disk or file at <paramref name="path"/>.</summary>
    public static long SizeOf(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return SizeOf(handle);
    }

    /// <summary>Flushes written data to stable storage (fsync).</summary>
    public static void Flush(SafeFileHandle handle)
    {
        if (FSync(handle) != 0)
        {
            throw new IOException($"fsync failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>
    /// Zeroes a range with BLKZEROOUT (the kernel uses the device's write-zeroes/unmap offload when it has one).
    /// False when the target is not a block device or the device refuses; the caller then writes zeros itself.
    /// </summary>
    public static bool TryZeroOut(SafeFileHandle handle, long offset, long length) => RangeIoctl(handle, BlkZeroOut, offset, length);

    /// <summary>Discards a range (BLKDISCARD). False when unsupported.</summary>
    public static bool TryDiscard(SafeFileHandle handle, long offset, long length) => RangeIoctl(handle, BlkDiscard, offset, length);

    /// <summary>Asks the kernel to re-read the partition table; false when it cannot (in use, or not a disk).</summary>
    public static bool TryRereadPartitions(SafeFileHandle handle) => Ioctl(handle, BlkRrPart, IntPtr.Zero) == 0;

    private static unsafe bool RangeIoctl(SafeFileHandle handle, ulong request, long offset, long length)
    {
        var range = stackalloc ulong[2];
        range[0] = (ulong)offset;
        range[1] = (ulong)length;
        return Ioctl(handle, request, (IntPtr)range) == 0;
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(SafeFileHandle fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(SafeFileHandle fd, ulong request, IntPtr argument);
}
