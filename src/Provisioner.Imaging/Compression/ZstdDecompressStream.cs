using Provisioner.Imaging.Native;

namespace Provisioner.Imaging.Compression;

/// <summary>
/// Read-only stream that decompresses zstd (one or more concatenated frames) from an inner stream through libzstd's
/// streaming API (ZSTD_decompressStream), so no frame is ever held whole in memory.
/// Corrupt input throws <see cref="InvalidDataException"/>; input that ends inside a frame throws <see cref="EndOfStreamException"/>.
/// </summary>
public sealed class ZstdDecompressStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _input;
    private nint _dstream;
    private int _inputPos;
    private int _inputLength;
    private bool _innerDone;
    private bool _frameOpen;     // a frame has started and not yet been completed
    private long _compressedConsumed;

    /// <summary>Wraps <paramref name="inner"/>, which yields zstd-compressed bytes.</summary>
    public ZstdDecompressStream(Stream inner, bool leaveOpen = false, int inputBufferSize = 1 << 20)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _leaveOpen = leaveOpen;
        _input = GC.AllocateUninitializedArray<byte>(inputBufferSize, pinned: true);
        _dstream = ZstdNative.CreateDStream();
        if (_dstream == 0)
        {
            throw new OutOfMemoryException("ZSTD_createDStream returned NULL");
        }
        Check(ZstdNative.InitDStream(_dstream));
    }

    /// <summary>Compressed bytes consumed so far (for error messages that name an offset).</summary>
    public long CompressedPosition => _compressedConsumed;

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            if (_inputPos == _inputLength && !_innerDone)
            {
                _inputLength = _inner.Read(_input, 0, _input.Length);
                _inputPos = 0;
                _innerDone = _inputLength == 0;
            }
            int produced = Step(buffer, out bool needInput);
            if (produced > 0)
            {
                return produced;
            }
            if (needInput && _innerDone)
            {
                return Finish();
            }
        }
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            if (_inputPos == _inputLength && !_innerDone)
            {
                _inputLength = await _inner.ReadAsync(_input.AsMemory(), cancellationToken).ConfigureAwait(false);
                _inputPos = 0;
                _innerDone = _inputLength == 0;
            }
            int produced = Step(buffer.Span, out bool needInput);
            if (produced > 0)
            {
                return produced;
            }
            if (needInput && _innerDone)
            {
                return Finish();
            }
        }
    }

    /// <summary>Runs the decoder over buffered input; returns bytes produced; needInput when the input buffer is drained.</summary>
    private unsafe int Step(Span<byte> output, out bool needInput)
    {
        ObjectDisposedException.ThrowIf(_dstream == 0, this);
        fixed (byte* dst = output)
        fixed (byte* src = _input)
        {
            var inBuf = new ZstdNative.InBuffer { Src = src + _inputPos, Size = (nuint)(_inputLength - _inputPos), Pos = 0 };
            var outBuf = new ZstdNative.OutBuffer { Dst = dst, Size = (nuint)output.Length, Pos = 0 };
            int produced = 0;
            // Loop until we produce something or run out of input: ZSTD may consume a header without output.
            while (true)
            {
                nuint inBefore = inBuf.Pos, outBefore = outBuf.Pos;
                nuint hint = ZstdNative.DecompressStream(_dstream, &outBuf, &inBuf);
                Check(hint);
                // Called with no input between frames, zstd answers "need a header" (hint > 0) without having started a
                // frame: only a call that moved bytes says whether we are inside a frame.
                if (inBuf.Pos != inBefore || outBuf.Pos != outBefore)
                {
                    _frameOpen = hint != 0;
                }
                produced = (int)outBuf.Pos;
                bool inputDrained = inBuf.Pos == inBuf.Size;
                if (produced > 0 || inputDrained || outBuf.Pos == outBuf.Size)
                {
                    _inputPos += (int)inBuf.Pos;
                    _compressedConsumed += (long)inBuf.Pos;
                    // Output may still be pending inside zstd even with drained input: only ask for more input when idle.
                    needInput = inputDrained && produced == 0;
                    return produced;
                }
            }
        }
    }

    private int Finish()
    {
        if (_frameOpen || _compressedConsumed == 0)
        {
            throw new EndOfStreamException(
                $"zstd stream truncated: input ended inside a frame after {_compressedConsumed} compressed bytes");
        }
        return 0;
    }

    private void Check(nuint code)
    {
        if (ZstdNative.Failed(code))
        {
            throw new InvalidDataException(
                $"zstd: {ZstdNative.ErrorName(code)} near compressed offset {_compressedConsumed + _inputPos}");
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (_dstream != 0)
        {
            ZstdNative.FreeDStream(_dstream);
            _dstream = 0;
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
