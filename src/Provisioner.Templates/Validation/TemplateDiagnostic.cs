namespace Provisioner.Templates.Validation;

public enum DiagnosticSeverity
{
    Warning = 1,
    Error = 2,
}

/// <summary>One validation finding. <see cref="Line"/> is in the template source unless <see cref="InOutput"/>.</summary>
public sealed record TemplateDiagnostic
{
    public required DiagnosticSeverity Severity { get; init; }

    public required string Message { get; init; }

    /// <summary>The template or partial the finding is in.</summary>
    public string? Template { get; init; }

    public int? Line { get; init; }

    public int? Column { get; init; }

    /// <summary>True when <see cref="Line"/> is a line of the rendered output (the output failed to parse).</summary>
    public bool InOutput { get; init; }

    /// <summary>The sample node the output was rendered for, for output findings.</summary>
    public string? Sample { get; init; }

    public override string ToString() =>
        $"{Severity.ToString().ToLowerInvariant()}: {Template}{(Line is null ? "" : $":{Line}")}{(Column is null ? "" : $":{Column}")}" +
        $"{(InOutput ? $" (rendered output for {Sample})" : "")}: {Message}";
}

/// <summary>The result of validating a template.</summary>
public sealed record ValidationReport(IReadOnlyList<TemplateDiagnostic> Diagnostics)
{
    public bool IsValid => Diagnostics.All(d => d.Severity != DiagnosticSeverity.Error);
}
