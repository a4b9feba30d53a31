using System.Runtime.InteropServices;
using Provisioner.Imaging.Native;

namespace Provisioner.Imaging.Compression;

/// <summary>
/// Read-only stream that decompresses .xz (concatenated streams allowed, as `xz` itself does) through liblzma.so.5.
/// Corrupt input throws <see cref="InvalidDataException"/>; truncated input throws <see cref="EndOfStreamException"/>.
/// </summary>
public sealed class XzDecompressStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _input;
    private nint _handle; // LzmaNative.Stream* in native memory
    private int _inputPos;
    private int _inputLength;
    private bool _innerDone;
    private bool _ended;

    /// <summary>Wraps <paramref name="inner"/>, which yields xz-compressed bytes.</summary>
    public unsafe XzDecompressStream(Stream inner, bool leaveOpen = false, int inputBufferSize = 1 << 20)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _leaveOpen = leaveOpen;
        _input = GC.AllocateUninitializedArray<byte>(inputBufferSize, pinned: true);
        var strm = (LzmaNative.Stream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaNative.Stream));
        _handle = (nint)strm;
        // memlimit: UINT64_MAX (images are trusted to be produced by xz with sane dictionaries); LZMA_CONCATENATED.
        int rc = LzmaNative.StreamDecoder(strm, ulong.MaxValue, LzmaNative.Concatenated);
        if (rc != LzmaNative.Ok)
        {
            NativeMemory.Free(strm);
            _handle = 0;
            throw new InvalidOperationException($"lzma_stream_decoder failed: {rc}");
        }
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        while (!buffer.IsEmpty && !_ended)
        {
            if (_inputPos == _inputLength && !_innerDone)
            {
                _inputLength = _inner.Read(_input, 0, _input.Length);
                _inputPos = 0;
                _innerDone = _inputLength == 0;
            }
            int produced = Step(buffer);
            if (produced > 0)
            {
                return produced;
            }
        }
        return 0;
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty && !_ended)
        {
            if (_inputPos == _inputLength && !_innerDone)
            {
                _inputLength = await _inner.ReadAsync(_input.AsMemory(), cancellationToken).ConfigureAwait(false);
                _inputPos = 0;
                _innerDone = _inputLength == 0;
            }
            int produced = Step(buffer.Span);
            if (produced > 0)
            {
                return produced;
            }
        }
        return 0;
    }

    private unsafe int Step(Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        var strm = (LzmaNative.Stream*)_handle;
        fixed (byte* dst = output)
        fixed (byte* src = _input)
        {
            strm->NextIn = src + _inputPos;
            strm->AvailIn = (nuint)(_inputLength - _inputPos);
            strm->NextOut = dst;
            strm->AvailOut = (nuint)output.Length;
            // LZMA_FINISH once the input is exhausted: liblzma then reports a truncated stream as LZMA_BUF_ERROR.
            int rc = LzmaNative.Code(strm, _innerDone ? LzmaNative.FinishAction : LzmaNative.RunAction);
            int consumed = (int)((nuint)(_inputLength - _inputPos) - strm->AvailIn);
            _inputPos += consumed;
            int produced = output.Length - (int)strm->AvailOut;
            strm->NextIn = null;
            strm->NextOut = null;
            switch (rc)
            {
                case LzmaNative.Ok:
                    break;
                case LzmaNative.StreamEnd:
                    _ended = true;
                    break;
                case LzmaNative.BufError when _innerDone:
                    throw new EndOfStreamException($"xz stream truncated after {strm->TotalIn} compressed bytes");
                case LzmaNative.BufError:
                    break;
                default:
                    // 7 = LZMA_FORMAT_ERROR, 8 = LZMA_OPTIONS_ERROR, 9 = LZMA_DATA_ERROR, 3 = LZMA_DATA_ERROR(check) ...
                    throw new InvalidDataException($"xz: liblzma error {rc} near compressed offset {strm->TotalIn}");
            }
            return produced;
        }
    }

    /// <inheritdoc />
    protected override unsafe void Dispose(bool disposing)
    {
        if (_handle != 0)
        {
            LzmaNative.End((LzmaNative.Stream*)_handle);
            NativeMemory.Free((void*)_handle);
            _handle = 0;
        }
        if (disposing && !_leaveOpen)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    /// <inheritdoc />
    public override void Flush() { }
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
