using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Lookup;

namespace Provisioner.Templates.Validation;

/// <summary>
/// Validates a template before it may be activated: tags checked against the context schema and the helpers (with
/// template line numbers), then a strict preview render for every sample node (L2/L3, BIOS/UEFI, worker/control
/// plane), then the rendered output parsed by kind.
/// </summary>
public sealed class TemplateValidator
{
    private readonly TemplateEngine _engine;

    public TemplateValidator(TemplateEngine engine) => _engine = engine;

    public async Task<ValidationReport> ValidateAsync(string name, string kind, string content, IReadOnlyList<TemplateSource> partials,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, TemplateContext>? samples = null)
    {
        ArgumentNullException.ThrowIfNull(partials);
        var diagnostics = new List<TemplateDiagnostic>();
        if (!TemplateKinds.All.Contains(kind, StringComparer.Ordinal))
        {
            diagnostics.Add(new TemplateDiagnostic
            {
                Severity = DiagnosticSeverity.Error, Template = name,
                Message = $"unknown kind '{kind}' (known: {string.Join(", ", TemplateKinds.All)})",
            });
        }

        var source = new TemplateSource(name, 0, content);
        var others = partials.Where(p => p.PartialName != source.PartialName || kind != TemplateKinds.Partial).ToList();
        if (kind == TemplateKinds.Partial)
        {
            others.Add(source);
        }

        var partialNames = others.Select(p => p.PartialName).ToHashSet(StringComparer.Ordinal);
        diagnostics.AddRange(TemplateScanner.Scan(name, content, partialNames));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (sampleName, context) in samples ?? SampleContexts.All)
        {
            string output;
            try
            {
                var result = await _engine.RenderAsync(source, others, context, RenderMode.Preview, null, cancellationToken).ConfigureAwait(false);
                output = result.Output;
            }
            catch (TemplateRenderException ex)
            {
                var where = ex.TemplateName ?? name;
                var alreadyReported = ex.Line is not null && diagnostics.Any(d => d.Template == where && d.Line == ex.Line && !d.InOutput);
                if (!alreadyReported && seen.Add(ex.Message))
                {
                    diagnostics.Add(new TemplateDiagnostic
                    {
                        Severity = DiagnosticSeverity.Error, Message = StripLocation(ex.Message, where), Template = where, Line = ex.Line,
                        Column = ex.Column, Sample = sampleName,
                    });
                }

                continue;
            }

            foreach (var (message, line) in OutputValidator.Check(kind, output))
            {
                if (seen.Add(message))
                {
                    diagnostics.Add(new TemplateDiagnostic
                    {
                        Severity = DiagnosticSeverity.Error, Message = message, Template = name, Line = line, InOutput = true, Sample = sampleName,
                    });
                }
            }
        }

        return new ValidationReport(diagnostics);
    }

    private static string StripLocation(string message, string template)
    {
        // Engine messages start with "name:line[:col]: "; the diagnostic carries those separately.
        if (!message.StartsWith(template + ":", StringComparison.Ordinal))
        {
            return message;
        }

        var rest = message[(template.Length + 1)..];
        while (rest.Length > 0 && (char.IsAsciiDigit(rest[0]) || rest[0] == ':'))
        {
            rest = rest[1..];
        }

        return rest.TrimStart();
    }
}
