using System.Globalization;

namespace Provisioner.Core.Networking;

/// <summary>An Ethernet MAC address. Parses "aa:bb:cc:dd:ee:ff", "aa-bb-..", "aabb.ccdd.eeff" and bare hex;
/// always prints lower-case with colons, the form stored and shown everywhere.</summary>
public readonly record struct MacAddress : IComparable<MacAddress>
{
    private readonly ulong _value;

    private MacAddress(ulong value) => _value = value;

    public static MacAddress FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 6)
        {
            throw new ArgumentException("A MAC address has 6 bytes.", nameof(bytes));
        }

        ulong v = 0;
        foreach (var b in bytes)
        {
            v = (v << 8) | b;
        }

        return new MacAddress(v);
    }

    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (expected e.g. 52:54:00:12:34:56).");

    public static bool TryParse(string? text, out MacAddress mac)
    {
        mac = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        Span<char> hex = stackalloc char[12];
        var n = 0;
        foreach (var c in text.Trim())
        {
            if (c is ':' or '-' or '.')
            {
                continue;
            }

            if (!char.IsAsciiHexDigit(c) || n == 12)
            {
                return false;
            }

            hex[n++] = c;
        }

        if (n != 12)
        {
            return false;
        }

        mac = new MacAddress(ulong.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        return true;
    }

    public byte[] GetBytes()
    {
        var b = new byte[6];
        for (var i = 5; i >= 0; i--)
        {
            b[5 - i] = (byte)(_value >> (8 * i));
        }

        return b;
    }

    /// <summary>"52-54-00-12-34-56", the form iPXE's ${mac:hexhyp} and BOOTIF use.</summary>
    public string ToHyphenString() => ToString().Replace(':', '-');

    public override string ToString() => string.Join(':', GetBytes().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    public int CompareTo(MacAddress other) => _value.CompareTo(other._value);
}
