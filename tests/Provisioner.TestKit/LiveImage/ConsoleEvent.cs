using System.Text;

namespace Provisioner.TestKit.LiveImage;

/// <summary>
/// One <c>PROVISIONER-EVENT &lt;name&gt; k=v ...</c> console line, stamped with the time its first byte arrived
/// (relative to the start of the machine).
/// </summary>
public sealed record ConsoleEvent(string Name, IReadOnlyDictionary<string, string> Fields, string Line, TimeSpan At)
{
    /// <summary>The marker every event line starts with.</summary>
    public const string Prefix = "PROVISIONER-EVENT";

    /// <summary>A field value or null.</summary>
    public string? this[string key] => Fields.TryGetValue(key, out var v) ? v : null;

    /// <summary>Parses a console line; null when it is not an event. Values may be double-quoted with backslash escapes.</summary>
    public static ConsoleEvent? TryParse(string line, TimeSpan at)
    {
        var start = line.IndexOf(Prefix + " ", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var words = Split(line[(start + Prefix.Length + 1)..]);
        if (words.Count == 0)
        {
            return null;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var w in words.Skip(1))
        {
            var eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                fields[w[..eq]] = w[(eq + 1)..];
            }
        }

        return new ConsoleEvent(words[0], fields, line[start..], at);
    }

    private static List<string> Split(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted && c == '\\' && i + 1 < text.Length)
            {
                sb.Append(text[++i]);
            }
            else if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == ' ')
            {
                if (sb.Length > 0)
                {
                    words.Add(sb.ToString());
                    sb.Clear();
                }
            }
            else
            {
                sb.Append(c);
            }
        }

        if (sb.Length > 0)
        {
            words.Add(sb.ToString());
        }

        return words;
    }
}
