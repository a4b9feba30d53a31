using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Provisioner.Imaging.Native;

/// <summary>The few Linux calls the BCL does not expose: statx (file type, allocated blocks), block-device ioctls,
/// fallocate hole punching, and open(2) with O_DIRECT.</summary>
internal static unsafe partial class LinuxIo
{
    private const string Libc = "libc";

    // <linux/fs.h>: _IOR(0x12, 114, size_t), _IO(0x12, 119), _IO(0x12, 127)
    internal const ulong BlkGetSize64 = 0x80081272;
    internal const ulong BlkDiscard = 0x1277;
    internal const ulong BlkZeroOut = 0x127F;

    internal const int FallocKeepSize = 0x01;
    internal const int FallocPunchHole = 0x02;

    private const int AtFdCwd = -100;
    private const uint StatxBasicStats = 0x07FF;
    private const int SIfMt = 0xF000;
    private const int SIfBlk = 0x6000;
    private const int SIfReg = 0x8000;

    internal const int ORdWr = 0x0002;
    internal const int OCreat = 0x0040;
    internal const int OCloexec = 0x80000;
    internal const int ODirect = 0x4000; // x86_64 and most arches; arm64 uses 0x10000
    internal const int ODirectArm64 = 0x10000;

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, void* arg);

    [LibraryImport(Libc, EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    /// <summary>What statx says about a path.</summary>
    internal readonly record struct FileFacts(bool IsBlockDevice, bool IsRegularFile, long Size, long AllocatedBytes);

    /// <summary>statx(2) with an arch-independent struct layout (struct statx is the same on every Linux arch).</summary>
    internal static FileFacts? Stat(string path)
    {
        byte* buf = stackalloc byte[256];
        new Span<byte>(buf, 256).Clear();
        if (Statx(AtFdCwd, path, 0, StatxBasicStats, buf) != 0)
        {
            return null;
        }
        int mode = *(ushort*)(buf + 28);
        long size = *(long*)(buf + 40);
        long blocks = *(long*)(buf + 48);
        return new FileFacts((mode & SIfMt) == SIfBlk, (mode & SIfMt) == SIfReg, size, blocks * 512);
    }

    internal static long BlockDeviceSize(SafeFileHandle handle)
    {
        ulong size = 0;
        ThrowIfFailed(Ioctl(Fd(handle), BlkGetSize64, &size), "ioctl(BLKGETSIZE64)");
        return checked((long)size);
    }

    internal static void BlockRange(SafeFileHandle handle, ulong request, long offset, long length)
    {
        ulong* range = stackalloc ulong[2];
        range[0] = (ulong)offset;
        range[1] = (ulong)length;
        ThrowIfFailed(Ioctl(Fd(handle), request, range), request == BlkDiscard ? "ioctl(BLKDISCARD)" : "ioctl(BLKZEROOUT)");
    }

    /// <summary>Deallocates a range of a regular file so it reads back as zeros (FALLOC_FL_PUNCH_HOLE|KEEP_SIZE).</summary>
    internal static bool TryPunchHole(SafeFileHandle handle, long offset, long length)
        => Fallocate(Fd(handle), FallocPunchHole | FallocKeepSize, offset, length) == 0;

    internal static SafeFileHandle OpenDirect(string path)
    {
        int direct = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? ODirectArm64 : ODirect;
        int fd = Open(path, ORdWr | OCloexec | direct, 0);
        ThrowIfFailed(fd, $"open({path}, O_DIRECT)");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    private static int Fd(SafeFileHandle handle) => (int)handle.DangerousGetHandle();

    private static void ThrowIfFailed(int rc, string what)
    {
        if (rc < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{what} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
        }
    }
}
