using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Provisioner.Templates.Engine;

namespace Provisioner.Templates.Helpers;

/// <summary>Quoting for the languages templates emit. Each function returns a complete literal (quotes included)
/// that the target parser reads back as exactly the input, or throws when the target cannot represent it.</summary>
public static class Quoting
{
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A YAML 1.2 double-quoted scalar (YAML 1.2 §5.7 escapes). Never a plain scalar: "no", "on", "1e3",
    /// ": " and "#" all stay strings.</summary>
    public static string Yaml(string value)
    {
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case 0: sb.Append("\\0"); break;
                // C0/C1 controls, DEL, NEL and the Unicode line/paragraph separators are not printable in YAML (§5.1).
                case < 0x20 or 0x7f or (>= 0x80 and <= 0x9f) or 0x2028 or 0x2029 or 0xfeff:
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
                    break;
                default: sb.Append(rune.ToString()); break;
            }
        }

        return sb.Append('"').ToString();
    }

    /// <summary>A JSON value (RFC 8259): a string literal for strings, the JSON form of lists and maps.</summary>
    public static string Json(object? value) => JsonSerializer.Serialize(ToPlain(value), JsonOptions);

    /// <summary>A POSIX shell word in single quotes (POSIX.1-2017 XCU §2.2.2): nothing inside is special, a single
    /// quote is written as <c>'\''</c>. NUL cannot be passed to a program and is refused.</summary>
    public static string Shell(string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new TemplateRenderException("shell: a value containing a NUL character cannot be passed through a shell.");
        }

        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>
    /// A Linux kernel command-line value (lib/cmdline.c next_arg): double quotes group a value holding spaces; there
    /// is no escape character, so a double quote or a control character cannot be carried and is refused.
    /// </summary>
    public static string KernelArg(string value)
    {
        foreach (var c in value)
        {
            if (c == '"' || char.IsControl(c))
            {
                throw new TemplateRenderException(
                    $"kernelArg: the kernel command line cannot carry {(c == '"' ? "a double quote" : $"control character U+{(int)c:X4}")} (value {Describe(value)}).");
            }
        }

        return value.Length == 0 || value.Any(char.IsWhiteSpace) ? "\"" + value + "\"" : value;
    }

    /// <summary>
    /// A word on an iPXE command line. iPXE splits arguments on whitespace without quoting and expands <c>${...}</c>,
    /// so only characters with no meaning to it pass; anything else is refused rather than silently mangled.
    /// </summary>
    public static string IpxeArg(string value)
    {
        if (value.Length == 0)
        {
            throw new TemplateRenderException("ipxeArg: an empty value would drop the argument.");
        }

        foreach (var c in value)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || "-._~:/?=&%+,;@[]!*'()".Contains(c, StringComparison.Ordinal);
            if (!ok)
            {
                throw new TemplateRenderException($"ipxeArg: character {Describe(c.ToString())} is not safe on an iPXE command line (value {Describe(value)}).");
            }
        }

        return value;
    }

    /// <summary>A Ruby single-quoted string literal: only backslash and the quote are special, no #{} interpolation.</summary>
    public static string Ruby(string value) =>
        "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    /// <summary>A value that must stay on one line (preseed, kickstart and config-file values): refused if it holds a
    /// line break or another control character, which would start a new directive.</summary>
    public static string OneLine(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085')
            {
                throw new TemplateRenderException($"oneLine: the value {Describe(value)} contains a line break or control character (U+{(int)c:X4}).");
            }
        }

        return value;
    }

    /// <summary>Percent-encodes everything but RFC 3986 unreserved characters (a '+' arrives as '+', not a space).</summary>
    public static string Url(string value) => Uri.EscapeDataString(value);

    internal static object? ToPlain(object? value) => value switch
    {
        null or NullValue => null,
        RedactedSecret secret => secret.ToString(),
        IDictionary<string, object?> map => map.ToDictionary(p => p.Key, p => ToPlain(p.Value), StringComparer.Ordinal),
        string s => s,
        System.Collections.IEnumerable list => list.Cast<object?>().Select(ToPlain).ToList(),
        _ => value,
    };

    private static string Describe(string value) =>
        JsonSerializer.Serialize(value.Length > 60 ? value[..60] + "…" : value);
}
