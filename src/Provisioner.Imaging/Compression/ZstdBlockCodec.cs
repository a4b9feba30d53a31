using Provisioner.Imaging.Native;

namespace Provisioner.Imaging.Compression;

/// <summary>One-shot zstd compression of a whole chunk into an independent frame (ZSTD_compressCCtx writes the content
/// size into the frame header, so the frame is self-describing).</summary>
internal sealed unsafe class ZstdBlockCompressor : IDisposable
{
    private nint _cctx = ZstdNative.CreateCCtx();

    public static int MaxCompressedLength(int rawLength) => checked((int)ZstdNative.CompressBound((nuint)rawLength));

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination, int level)
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        fixed (byte* src = source)
        fixed (byte* dst = destination)
        {
            nuint n = ZstdNative.CompressCCtx(_cctx, dst, (nuint)destination.Length, src, (nuint)source.Length, level);
            if (ZstdNative.Failed(n))
            {
                throw new InvalidOperationException($"ZSTD_compressCCtx: {ZstdNative.ErrorName(n)}");
            }
            return (int)n;
        }
    }

    public void Dispose()
    {
        if (_cctx != 0)
        {
            ZstdNative.FreeCCtx(_cctx);
            _cctx = 0;
        }
    }
}
