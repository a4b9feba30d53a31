namespace Provisioner.Templates.Engine;

/// <summary>A template could not be rendered: syntax error, unknown variable or helper, bad helper argument, missing secret.</summary>
public class TemplateRenderException : Exception
{
    public TemplateRenderException() { }

    public TemplateRenderException(string message) : base(message) { }

    public TemplateRenderException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The template (or partial) the error is in, when known.</summary>
    public string? TemplateName { get; init; }

    /// <summary>1-based line in <see cref="TemplateName"/>, when known.</summary>
    public int? Line { get; init; }

    public int? Column { get; init; }
}

/// <summary>A render was stopped because it exceeded the output size or time limit.</summary>
public sealed class TemplateLimitException : TemplateRenderException
{
    public TemplateLimitException() { }

    public TemplateLimitException(string message) : base(message) { }

    public TemplateLimitException(string message, Exception inner) : base(message, inner) { }
}
