using System.Buffers;

namespace Provisioner.Snmp.Ber;

/// <summary>
/// Writes BER TLVs. Constructed values are written with <see cref="Begin"/>/<see cref="End"/>; the
/// length is patched in when the content is known (minimal length encoding, X.690 §8.1.3).
/// </summary>
public sealed class BerWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Stack<int> _open = new();

    /// <summary>Opens a constructed value (SEQUENCE 0x30, PDU tags 0xA0-0xA3).</summary>
    public void Begin(byte tag)
    {
        Write(tag);
        _open.Push(_buffer.WrittenCount);
    }

    /// <summary>Closes the innermost constructed value.</summary>
    public void End()
    {
        var start = _open.Pop();
        var content = _buffer.WrittenSpan[start..].ToArray();
        var rebuilt = new ArrayBufferWriter<byte>(_buffer.WrittenCount + 4);
        rebuilt.Write(_buffer.WrittenSpan[..start]);
        WriteLength(rebuilt, content.Length);
        rebuilt.Write(content);
        _buffer.Clear();
        _buffer.Write(rebuilt.WrittenSpan);
    }

    /// <summary>Writes a primitive TLV.</summary>
    public void Primitive(byte tag, ReadOnlySpan<byte> content)
    {
        Write(tag);
        WriteLength(_buffer, content.Length);
        _buffer.Write(content);
    }

    /// <summary>Writes an INTEGER (or an application integer type with <paramref name="tag"/>).</summary>
    public void Integer(long value, byte tag = 0x02)
    {
        Span<byte> tmp = stackalloc byte[9];
        var n = 0;
        if (tag == 0x02)
        {
            // Minimal two's complement (X.690 §8.3.2).
            for (var i = 7; i >= 0; i--)
            {
                tmp[n++] = (byte)(value >> (i * 8));
            }

            var start = 0;
            while (start < 7 && ((tmp[start] == 0x00 && (tmp[start + 1] & 0x80) == 0) || (tmp[start] == 0xFF && (tmp[start + 1] & 0x80) != 0)))
            {
                start++;
            }

            Primitive(tag, tmp[start..n]);
            return;
        }

        // Unsigned application types: prepend 0x00 when the top bit is set.
        var u = (ulong)value;
        tmp[n++] = 0;
        for (var i = 7; i >= 0; i--)
        {
            tmp[n++] = (byte)(u >> (i * 8));
        }

        var s = 0;
        while (s < 8 && tmp[s] == 0 && (tmp[s + 1] & 0x80) == 0)
        {
            s++;
        }

        Primitive(tag, tmp[s..n]);
    }

    /// <summary>Writes an OBJECT IDENTIFIER.</summary>
    public void ObjectId(Oid oid)
    {
        ArgumentNullException.ThrowIfNull(oid);
        var content = new ArrayBufferWriter<byte>(oid.Arcs.Count * 2);
        WriteArc(content, (oid.Arcs[0] * 40) + oid.Arcs[1]);
        for (var i = 2; i < oid.Arcs.Count; i++)
        {
            WriteArc(content, oid.Arcs[i]);
        }

        Primitive(0x06, content.WrittenSpan);
    }

    /// <summary>The bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Write(byte b) => _buffer.Write<byte>([b]);

    private static void WriteArc(ArrayBufferWriter<byte> w, uint arc)
    {
        Span<byte> tmp = stackalloc byte[5];
        var n = 0;
        do
        {
            tmp[n++] = (byte)(arc & 0x7F);
            arc >>= 7;
        }
        while (arc != 0);
        for (var i = n - 1; i >= 0; i--)
        {
            w.Write<byte>([(byte)(tmp[i] | (i > 0 ? 0x80 : 0))]);
        }
    }

    private static void WriteLength(ArrayBufferWriter<byte> w, int length)
    {
        if (length < 0x80)
        {
            w.Write<byte>([(byte)length]);
        }
        else if (length <= 0xFF)
        {
            w.Write<byte>([0x81, (byte)length]);
        }
        else if (length <= 0xFFFF)
        {
            w.Write<byte>([0x82, (byte)(length >> 8), (byte)length]);
        }
        else
        {
            w.Write<byte>([0x83, (byte)(length >> 16), (byte)(length >> 8), (byte)length]);
        }
    }
}
