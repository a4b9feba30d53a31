using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Provisioner.Tftp.Files;

/// <summary>File type and identity of an open file, from statx(2).</summary>
internal readonly record struct UnixFileStatus(bool IsRegular, long Size, ulong Device, ulong Inode, long MtimeSeconds, uint MtimeNanoseconds);

/// <summary>
/// The few Linux calls the directory source needs that .NET does not expose: open(2) with O_NONBLOCK
/// (so a FIFO planted in the root cannot block a request) and statx(2) on the open descriptor (so the
/// type and size checked are those of the file actually served, not of a path that may have changed).
/// </summary>
internal static partial class UnixFile
{
    // Same values on x86_64 and aarch64 (asm-generic/fcntl.h).
    private const int ORdOnly = 0, ONoCtty = 0x100, ONonBlock = 0x800, OCloExec = 0x80000;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int SIfMt = 0xF000, SIfReg = 0x8000;
    private const int ENoEnt = 2, ENotDir = 20, ELoop = 40, ENameTooLong = 36;

    /// <summary>Opens <paramref name="path"/> read-only without blocking on FIFOs or devices.
    /// Returns null with the errno when it fails.</summary>
    public static SafeFileHandle? Open(string path, out int errno)
    {
        var fd = OpenNative(path, ORdOnly | ONonBlock | OCloExec | ONoCtty, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>True when errno means "no such file" rather than "not allowed".</summary>
    public static bool IsNotFound(int errno) => errno is ENoEnt or ENotDir or ENameTooLong or ELoop;

    /// <summary>statx(2) of an open descriptor.</summary>
    public static unsafe UnixFileStatus Stat(SafeFileHandle handle)
    {
        Span<byte> buffer = stackalloc byte[256];
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
            {
                if (StatxNative((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxBasicStats, p) != 0)
                {
                    throw new IOException($"statx failed: errno {Marshal.GetLastPInvokeError()}");
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        // struct statx (linux/stat.h): stx_mode u16 @28, stx_ino u64 @32, stx_size u64 @40,
        // stx_mtime {s64 sec, u32 nsec} @112, stx_dev_major u32 @136, stx_dev_minor u32 @140.
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]);
        var ino = BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]);
        var size = (long)BinaryPrimitives.ReadUInt64LittleEndian(buffer[40..]);
        var mtime = BinaryPrimitives.ReadInt64LittleEndian(buffer[112..]);
        var mtimeNs = BinaryPrimitives.ReadUInt32LittleEndian(buffer[120..]);
        var dev = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]);
        return new UnixFileStatus((mode & SIfMt) == SIfReg, size, dev, ino, mtime, mtimeNs);
    }

    /// <summary>The real path of an open descriptor (symlinks resolved), from /proc/self/fd.</summary>
    public static string? RealPath(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return new FileInfo($"/proc/self/fd/{(int)handle.DangerousGetHandle()}").LinkTarget;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatxNative(int dirfd, string path, int flags, uint mask, byte* buffer);
}
