using System.Buffers;
using System.Runtime.InteropServices;

namespace Provisioner.Imaging.Targets;

/// <summary>Native memory aligned to 4096 bytes (valid for O_DIRECT), exposed as <see cref="Memory{T}"/>.</summary>
internal sealed unsafe class AlignedBuffer : MemoryManager<byte>
{
    internal const int Alignment = 4096;
    private byte* _ptr;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        Length = length;
        _ptr = (byte*)NativeMemory.AlignedAlloc((nuint)length, Alignment);
    }

    public int Length { get; }

    public Span<byte> Span => GetSpan();

    public override Span<byte> GetSpan()
    {
        ObjectDisposedException.ThrowIf(_ptr == null, this);
        return new Span<byte>(_ptr, Length);
    }

    public override MemoryHandle Pin(int elementIndex = 0) => new(_ptr + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing)
    {
        if (_ptr != null)
        {
            NativeMemory.AlignedFree(_ptr);
            _ptr = null;
        }
    }
}
