using System.Diagnostics.CodeAnalysis;

namespace Provisioner.Snmp.Ber;

/// <summary>A forward-only X.690 BER reader (definite lengths only, as SNMP requires: RFC 3417 §8).</summary>
public ref struct BerReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    /// <summary>Reads <paramref name="data"/>.</summary>
    public BerReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _pos = 0;
    }

    /// <summary>True when everything was read.</summary>
    public readonly bool End => _pos >= _data.Length;

    /// <summary>The next tag without consuming it.</summary>
    public readonly byte PeekTag()
    {
        if (_pos >= _data.Length)
        {
            Throw("Unexpected end of data.");
        }

        return _data[_pos];
    }

    /// <summary>Reads a tag and length and returns the content, checking the tag.</summary>
    public ReadOnlySpan<byte> ReadTlv(byte expectedTag)
    {
        var content = ReadAny(out var tag);
        if (tag != expectedTag)
        {
            Throw($"Expected tag 0x{expectedTag:x2}, got 0x{tag:x2}.");
        }

        return content;
    }

    /// <summary>Reads any TLV.</summary>
    public ReadOnlySpan<byte> ReadAny(out byte tag)
    {
        tag = Byte();
        if ((tag & 0x1F) == 0x1F)
        {
            Throw("Multi-byte tags are not used by SNMP.");
        }

        int length = Byte();
        if (length == 0x80)
        {
            Throw("Indefinite lengths are not allowed in SNMP.");
        }

        if (length > 0x80)
        {
            var n = length & 0x7F;
            if (n > 3)
            {
                Throw($"Length of {n} bytes is too large.");
            }

            length = 0;
            for (var i = 0; i < n; i++)
            {
                length = (length << 8) | Byte();
            }
        }

        if (length > _data.Length - _pos)
        {
            Throw($"Length {length} runs past the end ({_data.Length - _pos} left).");
        }

        var content = _data.Slice(_pos, length);
        _pos += length;
        return content;
    }

    /// <summary>Reads an INTEGER (up to 64 bits, two's complement).</summary>
    public long ReadInteger(byte tag = 0x02) => DecodeInteger(ReadTlv(tag), signed: tag == 0x02);

    /// <summary>Decodes integer content bytes.</summary>
    public static long DecodeInteger(ReadOnlySpan<byte> content, bool signed)
    {
        if (content.Length == 0 || content.Length > 9 || (content.Length == 9 && content[0] != 0))
        {
            Throw($"Integer of {content.Length} bytes.");
        }

        long v = signed && (content[0] & 0x80) != 0 ? -1 : 0;
        foreach (var b in content)
        {
            v = (v << 8) | b;
        }

        return v;
    }

    /// <summary>Decodes OBJECT IDENTIFIER content (X.690 §8.19).</summary>
    public static Oid DecodeOid(ReadOnlySpan<byte> content)
    {
        if (content.Length == 0 || content.Length > 512)
        {
            Throw($"OID of {content.Length} bytes.");
        }

        var arcs = new List<uint>(content.Length + 1);
        ulong v = 0;
        var first = true;
        for (var i = 0; i < content.Length; i++)
        {
            var b = content[i];
            v = (v << 7) | (uint)(b & 0x7F);
            if (v > uint.MaxValue)
            {
                Throw("OID arc exceeds 32 bits.");
            }

            if ((b & 0x80) != 0)
            {
                if (i == content.Length - 1)
                {
                    Throw("OID ends inside an arc.");
                }

                continue;
            }

            if (first)
            {
                arcs.Add(v < 40 ? 0u : v < 80 ? 1u : 2u);
                arcs.Add((uint)(v < 80 ? v % 40 : v - 80));
                first = false;
            }
            else
            {
                arcs.Add((uint)v);
            }

            v = 0;
        }

        return new Oid([.. arcs]);
    }

    private byte Byte()
    {
        if (_pos >= _data.Length)
        {
            Throw("Unexpected end of data.");
        }

        return _data[_pos++];
    }

    [DoesNotReturn]
    private static void Throw(string message) => throw new SnmpProtocolException(message);
}
