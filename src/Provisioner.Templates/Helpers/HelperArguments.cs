using System.Globalization;
using HandlebarsDotNet;
using Provisioner.Templates.Engine;

namespace Provisioner.Templates.Helpers;

/// <summary>Argument checks shared by the helpers, with errors that name the helper and say what it expects.</summary>
internal static class HelperArguments
{
    public static void Count(string helper, in Arguments args, int min, int max, string usage)
    {
        if (args.Length < min || args.Length > max)
        {
            throw new TemplateRenderException($"{helper}: expected {usage}, got {args.Length} argument(s).");
        }
    }

    /// <summary>The argument as text. A field with no value for this node is an error, never an empty string.</summary>
    public static string Text(string helper, object? value) => value switch
    {
        string s => s,
        NullValue n => throw new TemplateRenderException(
            $"{helper}: '{n.Path}' has no value for this node (guard it with {{{{#if {n.Path}}}}} or use {{{{default {n.Path} \"...\"}}}})."),
        null => throw new TemplateRenderException($"{helper}: the argument has no value."),
        bool b => b ? "true" : "false",
        RedactedSecret r => r.ToString(),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IDictionary<string, object?> or System.Collections.IEnumerable =>
            throw new TemplateRenderException($"{helper}: expected a text value, got a {(value is IDictionary<string, object?> ? "map" : "list")}."),
        _ => value.ToString() ?? string.Empty,
    };

    public static int Integer(string helper, object? value)
    {
        switch (value)
        {
            case int i:
                return i;
            case long l and >= int.MinValue and <= int.MaxValue:
                return (int)l;
            default:
                var text = Text(helper, value);
                return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new TemplateRenderException($"{helper}: expected a whole number, got '{text}'.");
        }
    }

    public static IEnumerable<object?> List(string helper, object? value) => value switch
    {
        string s => s.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
        NullValue n => throw new TemplateRenderException($"{helper}: '{n.Path}' has no value for this node."),
        IDictionary<string, object?> => throw new TemplateRenderException($"{helper}: expected a list, got a map."),
        System.Collections.IEnumerable e => e.Cast<object?>(),
        _ => throw new TemplateRenderException($"{helper}: expected a list."),
    };

    public static bool IsMissing(object? value) => value is null or NullValue || value is string { Length: 0 };

    public static bool IsTruthy(object? value) => value switch
    {
        null or NullValue => false,
        bool b => b,
        string s => s.Length > 0,
        int i => i != 0,
        long l => l != 0,
        double d => d != 0,
        IDictionary<string, object?> m => m.Count > 0,
        System.Collections.IEnumerable e => e.Cast<object?>().Any(),
        _ => true,
    };

    public static string? HashText(string helper, in Arguments args, string key) =>
        args.Hash.TryGetValue(key, out var v) ? Text(helper, v) : null;
}
