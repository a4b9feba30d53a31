using System.Runtime.InteropServices;

namespace Provisioner.Imaging.Native;

/// <summary>Bindings to the system libzstd.so.1 (zstd.h, stable API since 1.4).</summary>
internal static unsafe partial class ZstdNative
{
    private const string Lib = "libzstd.so.1";

    [StructLayout(LayoutKind.Sequential)]
    internal struct InBuffer
    {
        public byte* Src;
        public nuint Size;
        public nuint Pos;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct OutBuffer
    {
        public byte* Dst;
        public nuint Size;
        public nuint Pos;
    }

    [LibraryImport(Lib, EntryPoint = "ZSTD_createDStream")]
    internal static partial nint CreateDStream();

    [LibraryImport(Lib, EntryPoint = "ZSTD_freeDStream")]
    internal static partial nuint FreeDStream(nint stream);

    [LibraryImport(Lib, EntryPoint = "ZSTD_initDStream")]
    internal static partial nuint InitDStream(nint stream);

    [LibraryImport(Lib, EntryPoint = "ZSTD_decompressStream")]
    internal static partial nuint DecompressStream(nint stream, OutBuffer* output, InBuffer* input);

    [LibraryImport(Lib, EntryPoint = "ZSTD_DStreamInSize")]
    internal static partial nuint DStreamInSize();

    [LibraryImport(Lib, EntryPoint = "ZSTD_createCCtx")]
    internal static partial nint CreateCCtx();

    [LibraryImport(Lib, EntryPoint = "ZSTD_freeCCtx")]
    internal static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Lib, EntryPoint = "ZSTD_compressCCtx")]
    internal static partial nuint CompressCCtx(nint cctx, byte* dst, nuint dstCapacity, byte* src, nuint srcSize, int level);

    [LibraryImport(Lib, EntryPoint = "ZSTD_compressBound")]
    internal static partial nuint CompressBound(nuint srcSize);

    [LibraryImport(Lib, EntryPoint = "ZSTD_isError")]
    internal static partial uint IsError(nuint code);

    [LibraryImport(Lib, EntryPoint = "ZSTD_getErrorName")]
    internal static partial byte* GetErrorName(nuint code);

    internal static bool Failed(nuint code) => IsError(code) != 0;

    internal static string ErrorName(nuint code) => Marshal.PtrToStringUTF8((nint)GetErrorName(code)) ?? "unknown zstd error";

    private static readonly Lazy<bool> s_available = new(() =>
    {
        if (!NativeLibrary.TryLoad(Lib, typeof(ZstdNative).Assembly, null, out var handle))
        {
            return false;
        }
        NativeLibrary.Free(handle);
        return true;
    });

    /// <summary>True when libzstd.so.1 can be loaded on this machine.</summary>
    internal static bool IsAvailable => s_available.Value;
}
