using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Provisioner.Ipmi.Wire;

/// <summary>Forward-only reader over received bytes; running short throws <see cref="IpmiProtocolException"/>.</summary>
public ref struct IpmiReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    /// <summary>Reads <paramref name="data"/> from the start.</summary>
    public IpmiReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _data.Length - _pos;

    /// <summary>Position from the start.</summary>
    public readonly int Position => _pos;

    /// <summary>Reads one byte.</summary>
    public byte ReadByte()
    {
        Need(1);
        return _data[_pos++];
    }

    /// <summary>Reads a little-endian 16-bit value (IPMI multi-byte fields are little-endian, §13.6).</summary>
    public ushort ReadUInt16()
    {
        Need(2);
        var v = BinaryPrimitives.ReadUInt16LittleEndian(_data[_pos..]);
        _pos += 2;
        return v;
    }

    /// <summary>Reads a little-endian 32-bit value.</summary>
    public uint ReadUInt32()
    {
        Need(4);
        var v = BinaryPrimitives.ReadUInt32LittleEndian(_data[_pos..]);
        _pos += 4;
        return v;
    }

    /// <summary>Reads <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        Need(count);
        var s = _data.Slice(_pos, count);
        _pos += count;
        return s;
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count)
    {
        Need(count);
        _pos += count;
    }

    private readonly void Need(int n)
    {
        if (n < 0 || _data.Length - _pos < n)
        {
            ThrowTruncated(n, _data.Length - _pos);
        }
    }

    [DoesNotReturn]
    private static void ThrowTruncated(int wanted, int left) =>
        throw new IpmiProtocolException(IpmiRejectReason.Truncated, $"Packet truncated: needed {wanted} more bytes, {left} left.");
}
