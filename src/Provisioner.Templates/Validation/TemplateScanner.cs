using System.Text.RegularExpressions;
using Provisioner.Templates.Context;
using Provisioner.Templates.Helpers;

namespace Provisioner.Templates.Validation;

/// <summary>
/// Reads the mustache tags of a template (without rendering) and checks every variable against the context schema,
/// every helper against the known helpers, every partial against the available ones and that blocks are balanced,
/// reporting the template line and column. Variables inside {{#each}}/{{#with}} blocks that are relative to the
/// element cannot be checked this way; the strict sample renders catch those.
/// </summary>
public static partial class TemplateScanner
{
    private static readonly HashSet<string> Literals = new(StringComparer.Ordinal) { "true", "false", "null", "undefined", "else", "this", "." };

    public static IReadOnlyList<TemplateDiagnostic> Scan(string templateName, string content, IReadOnlySet<string> partialNames)
    {
        ArgumentNullException.ThrowIfNull(content);
        var diagnostics = new List<TemplateDiagnostic>();
        var blocks = new Stack<(string Name, int Line, int Column, HashSet<string> Params)>();
        var scanned = 0;
        foreach (Match tag in TagPattern().Matches(content))
        {
            scanned = tag.Index + tag.Length;
            var body = tag.Groups["body"].Value.Trim();
            var (line, column) = Position(content, tag.Index);
            void Error(string message) => diagnostics.Add(new TemplateDiagnostic
                { Severity = DiagnosticSeverity.Error, Message = message, Template = templateName, Line = line, Column = column });

            if (body.StartsWith('!'))
            {
                continue;
            }

            if (tag.Value.EndsWith("}}}", StringComparison.Ordinal) && !tag.Value.StartsWith("{{{", StringComparison.Ordinal))
            {
                Error("'}}}' after a '{{' tag reads as a triple-stash close: put a space before the closing brace of the JSON/code around it");
                continue;
            }

            if (body.StartsWith('>'))
            {
                var partial = body[1..].Trim().Split(' ', 2)[0];
                if (partial.StartsWith('('))
                {
                    Error("dynamic partial names are not allowed (the partial set must be known to validate)");
                }
                else if (!partialNames.Contains(partial))
                {
                    Error($"unknown partial '{partial}' (available: {string.Join(", ", partialNames.Order(StringComparer.Ordinal))})");
                }

                continue;
            }

            if (body.StartsWith('/'))
            {
                var name = body[1..].Trim();
                if (blocks.Count == 0)
                {
                    Error($"'{{{{/{name}}}}}' closes a block that was never opened");
                }
                else if (blocks.Peek().Name != name)
                {
                    var open = blocks.Peek();
                    Error($"'{{{{/{name}}}}}' closes '{{{{#{open.Name}}}}}' opened at line {open.Line}");
                    blocks.Pop();
                }
                else
                {
                    blocks.Pop();
                }

                continue;
            }

            var isBlock = body.StartsWith('#') || body.StartsWith('^');
            var expression = body.TrimStart('#', '^', '&').Trim();
            if (expression.StartsWith("else", StringComparison.Ordinal) && (expression.Length == 4 || char.IsWhiteSpace(expression[4])))
            {
                expression = expression[4..].Trim();
                if (expression.Length == 0)
                {
                    continue;
                }
            }

            var tokens = Tokens().Matches(expression).Select(m => m.Value).ToList();
            var blockParams = new HashSet<string>(StringComparer.Ordinal);
            var asIndex = tokens.IndexOf("as");
            if (asIndex >= 0)
            {
                foreach (var p in tokens.Skip(asIndex + 1))
                {
                    blockParams.Add(p.Trim('|'));
                }

                tokens = tokens.Take(asIndex).ToList();
            }

            var scopes = blocks.SelectMany(b => b.Params).ToHashSet(StringComparer.Ordinal);
            var inElementScope = blocks.Any(b => b.Name is "each" or "with");
            var helperPosition = true;
            foreach (var raw in tokens)
            {
                if (raw == "(")
                {
                    helperPosition = true;
                    continue;
                }

                if (raw == ")")
                {
                    continue;
                }

                var token = raw.Contains('=', StringComparison.Ordinal) && !raw.StartsWith('"') && !raw.StartsWith('\'') ? raw[(raw.IndexOf('=', StringComparison.Ordinal) + 1)..] : raw;
                var wasHelperPosition = helperPosition;
                helperPosition = false;
                if (token.Length == 0 || token.StartsWith('"') || token.StartsWith('\'') || Literals.Contains(token)
                    || double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    continue;
                }

                if (wasHelperPosition && (TemplateHelpers.Names.Contains(token) || (isBlock && token == tokens[0])))
                {
                    if (!TemplateHelpers.Names.Contains(token))
                    {
                        Error($"unknown block helper '#{token}' (block helpers: if, unless, each, with)");
                    }

                    continue;
                }

                var segments = PathSegments(token, out var rooted, out var relative);
                if (relative || segments.Count == 0 || scopes.Contains(segments[0]))
                {
                    continue;
                }

                if (!rooted && inElementScope && !ContextSchema.Roots.Contains(segments[0]))
                {
                    continue; // relative to the current element: checked by the sample renders
                }

                if (ContextSchema.Check(segments) is { } problem)
                {
                    Error(wasHelperPosition && segments.Count == 1 && !ContextSchema.Roots.Contains(segments[0])
                        ? $"unknown variable or helper '{token}'" : problem);
                }
            }

            if (isBlock)
            {
                blocks.Push((tokens.FirstOrDefault() ?? string.Empty, line, column, blockParams));
            }
        }

        // A '{{' followed by a '}}' anywhere is a tag above; one after the last tag is never closed, and the engine's
        // own error for it ("Token '' ...") has no position.
        if (content.IndexOf("{{", scanned, StringComparison.Ordinal) is var stray and >= 0)
        {
            var (line, column) = Position(content, stray);
            diagnostics.Add(new TemplateDiagnostic
            {
                Severity = DiagnosticSeverity.Error, Message = "'{{' is never closed with '}}'", Template = templateName, Line = line, Column = column,
            });
        }

        foreach (var open in blocks)
        {
            diagnostics.Add(new TemplateDiagnostic
            {
                Severity = DiagnosticSeverity.Error, Message = $"'{{{{#{open.Name}}}}}' is never closed", Template = templateName,
                Line = open.Line, Column = open.Column,
            });
        }

        return diagnostics;
    }

    private static List<string> PathSegments(string token, out bool rooted, out bool relative)
    {
        rooted = false;
        relative = token.StartsWith("../", StringComparison.Ordinal) || token.StartsWith("this", StringComparison.Ordinal)
                   || token.StartsWith("./", StringComparison.Ordinal);
        if (token.StartsWith('@'))
        {
            if (!token.StartsWith("@root", StringComparison.Ordinal))
            {
                relative = true; // @index, @key, @first, @last
                return [];
            }

            rooted = true;
            token = token.Length > 5 ? token[6..] : string.Empty;
        }

        return token.Split('.', '/').Where(s => s.Length > 0).ToList();
    }

    private static (int Line, int Column) Position(string content, int index)
    {
        var line = 1 + content.AsSpan(0, index).Count('\n');
        var lastNewline = content.LastIndexOf('\n', Math.Max(0, index - 1));
        return (line, index - lastNewline);
    }

    [GeneratedRegex(@"\{\{\{?~?(?<body>!--.*?--|[^}]*?)~?\}?\}\}", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"""(?:\\.|[^""\\])*""|'(?:\\.|[^'\\])*'|\(|\)|[^\s()]+", RegexOptions.CultureInvariant)]
    private static partial Regex Tokens();
}
