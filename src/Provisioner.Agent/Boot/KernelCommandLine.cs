using System.Globalization;
using System.Text;

namespace Provisioner.Agent.Boot;

/// <summary>Parses <c>/proc/cmdline</c>: space-separated <c>key=value</c> words, double quotes group spaces.</summary>
public static class KernelCommandLine
{
    /// <summary>Returns the parameters; a bare word maps to an empty string; the last occurrence wins.</summary>
    public static Dictionary<string, string> Parse(string cmdline)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var word = new StringBuilder();
        var quoted = false;
        foreach (var c in cmdline.Append(' '))
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && char.IsWhiteSpace(c))
            {
                if (word.Length > 0)
                {
                    var w = word.ToString();
                    var eq = w.IndexOf('=', StringComparison.Ordinal);
                    if (eq < 0)
                    {
                        result[w] = string.Empty;
                    }
                    else
                    {
                        result[w[..eq]] = w[(eq + 1)..];
                    }

                    word.Clear();
                }
            }
            else
            {
                word.Append(c);
            }
        }

        return result;
    }

    /// <summary>
    /// Turns iPXE's <c>BOOTIF=01-aa-bb-cc-dd-ee-ff</c> (hardware type 01 = Ethernet, then the MAC) into
    /// <c>aa:bb:cc:dd:ee:ff</c>; also accepts a bare MAC with dashes or colons. Null when malformed.
    /// </summary>
    public static string? ParseBootIf(string value)
    {
        var parts = value.Split('-', ':');
        if (parts.Length == 7 && parts[0] == "01")
        {
            parts = parts[1..];
        }

        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
        {
            return null;
        }

        // A NIC's own address is never a group address (IEEE 802 I/G bit): "01-aa-bb-cc-dd-ee" lost its last octet.
        if ((byte.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) & 1) != 0)
        {
            return null;
        }

        return string.Join(':', parts).ToLowerInvariant();
    }
}
