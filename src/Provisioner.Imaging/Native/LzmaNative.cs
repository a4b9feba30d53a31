using System.Runtime.InteropServices;

namespace Provisioner.Imaging.Native;

/// <summary>Bindings to the system liblzma.so.5 (lzma/base.h, lzma/container.h).</summary>
internal static unsafe partial class LzmaNative
{
    private const string Lib = "liblzma.so.5";

    internal const int Ok = 0;
    internal const int StreamEnd = 1;
    internal const int BufError = 10;
    internal const int RunAction = 0;
    internal const int FinishAction = 3;
    internal const uint Concatenated = 0x08;

    /// <summary>lzma_stream; LZMA_STREAM_INIT is all zeros. Kept in native memory because liblzma keeps no pointer to it
    /// but we hand out its address on every call.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Stream
    {
        public byte* NextIn;
        public nuint AvailIn;
        public ulong TotalIn;
        public byte* NextOut;
        public nuint AvailOut;
        public ulong TotalOut;
        public nint Allocator;
        public nint Internal;
        public nint ReservedPtr1, ReservedPtr2, ReservedPtr3, ReservedPtr4;
        public ulong ReservedInt1, ReservedInt2;
        public nuint ReservedInt3, ReservedInt4;
        public int ReservedEnum1, ReservedEnum2;
    }

    [LibraryImport(Lib, EntryPoint = "lzma_stream_decoder")]
    internal static partial int StreamDecoder(Stream* strm, ulong memlimit, uint flags);

    [LibraryImport(Lib, EntryPoint = "lzma_code")]
    internal static partial int Code(Stream* strm, int action);

    [LibraryImport(Lib, EntryPoint = "lzma_end")]
    internal static partial void End(Stream* strm);
}
