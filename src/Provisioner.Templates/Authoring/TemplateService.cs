using Provisioner.Core.Persistence;
using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Lookup;
using Provisioner.Templates.Validation;

namespace Provisioner.Templates.Authoring;

/// <summary>The outcome of saving a template edit.</summary>
public sealed record TemplateSaveResult(TemplateVersion Version, ValidationReport Report, bool Activated);

/// <summary>A template version failed validation and cannot be activated.</summary>
public sealed class TemplateValidationException : Exception
{
    public TemplateValidationException() => Report = new ValidationReport([]);

    public TemplateValidationException(string message) : base(message) => Report = new ValidationReport([]);

    public TemplateValidationException(string message, Exception inner) : base(message, inner) => Report = new ValidationReport([]);

    public TemplateValidationException(string message, ValidationReport report) : base(message) => Report = report;

    public ValidationReport Report { get; }
}

/// <summary>
/// What the REST API, the dashboard editor and the CLI call to author templates: list, read, save a new version,
/// validate, preview for a node, diff two versions, activate, roll back. Every save is a new immutable version
/// (who, when, comment); a version that fails validation is kept as a draft but can never be activated.
/// </summary>
public sealed class TemplateService
{
    private readonly ITemplateRepository _repository;
    private readonly TemplateEngine _engine;
    private readonly TemplateValidator _validator;
    private readonly TemplateRenderer _renderer;

    public TemplateService(ITemplateRepository repository, TemplateEngine engine)
    {
        _repository = repository;
        _engine = engine;
        _validator = new TemplateValidator(engine);
        _renderer = new TemplateRenderer(repository, engine);
    }

    public TemplateRenderer Renderer => _renderer;

    /// <summary>The active version of every template.</summary>
    public Task<IReadOnlyList<TemplateVersion>> ListAsync(CancellationToken cancellationToken) => _repository.ListActiveAsync(cancellationToken);

    /// <summary>A version, or the active one when <paramref name="version"/> is null.</summary>
    public Task<TemplateVersion?> GetAsync(string name, int? version, CancellationToken cancellationToken) =>
        version is null ? _repository.GetActiveAsync(name, cancellationToken) : _repository.GetVersionAsync(name, version.Value, cancellationToken);

    /// <summary>The history of a template (who, when, comment), oldest first.</summary>
    public Task<IReadOnlyList<TemplateVersion>> HistoryAsync(string name, CancellationToken cancellationToken) =>
        _repository.ListVersionsAsync(name, cancellationToken);

    /// <summary>
    /// Saves <paramref name="content"/> as a new version of <paramref name="name"/> (creating the template when new).
    /// <paramref name="kind"/> defaults to the existing kind, else the one inferred from the name. The new version is
    /// activated only when <paramref name="activate"/> and it validates.
    /// </summary>
    public async Task<TemplateSaveResult> SaveAsync(string name, string content, string author, string? comment, bool activate,
        CancellationToken cancellationToken, string? kind = null)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(author);
        var existing = await _repository.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
        kind ??= existing.LastOrDefault()?.Kind ?? TemplateKinds.Infer(name);
        content = content.ReplaceLineEndings("\n");
        var report = await ValidateContentAsync(name, kind, content, cancellationToken).ConfigureAwait(false);
        var saved = await _repository.AddVersionAsync(name, kind, content, author, comment, activate && report.IsValid, cancellationToken)
            .ConfigureAwait(false);
        return new TemplateSaveResult(saved, report, activate && report.IsValid);
    }

    /// <summary>Validates unsaved content (the editor's "check" button).</summary>
    public async Task<ValidationReport> ValidateContentAsync(string name, string kind, string content, CancellationToken cancellationToken)
    {
        var partials = await ActivePartialsAsync(cancellationToken).ConfigureAwait(false);
        return await _validator.ValidateAsync(name, kind, content, partials, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Validates a stored version.</summary>
    public async Task<ValidationReport> ValidateAsync(string name, int version, CancellationToken cancellationToken)
    {
        var stored = await RequireAsync(name, version, cancellationToken).ConfigureAwait(false);
        return await ValidateContentAsync(stored.Name, stored.Kind, stored.Content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders a version (the active one when null) for <paramref name="context"/> with secrets redacted.</summary>
    public async Task<RenderResult> PreviewAsync(string name, int? version, TemplateContext context, CancellationToken cancellationToken)
    {
        var stored = version is null
            ? await _repository.GetActiveAsync(name, cancellationToken).ConfigureAwait(false)
              ?? throw new TemplateNotFoundException($"Template '{name}' has no active version.")
            : await RequireAsync(name, version.Value, cancellationToken).ConfigureAwait(false);
        return await _renderer.RenderVersionAsync(stored.Name, stored.Version, context, RenderMode.Preview, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders unsaved content for <paramref name="context"/> (live preview in the editor), secrets redacted.</summary>
    public async Task<RenderResult> PreviewContentAsync(string name, string content, TemplateContext context, CancellationToken cancellationToken)
    {
        var partials = await ActivePartialsAsync(cancellationToken).ConfigureAwait(false);
        return await _engine.RenderAsync(new TemplateSource(name, 0, content), partials, context, RenderMode.Preview, null, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>A unified diff from version <paramref name="fromVersion"/> to <paramref name="toVersion"/> ("" when equal).</summary>
    public async Task<string> DiffAsync(string name, int fromVersion, int toVersion, CancellationToken cancellationToken)
    {
        var from = await RequireAsync(name, fromVersion, cancellationToken).ConfigureAwait(false);
        var to = await RequireAsync(name, toVersion, cancellationToken).ConfigureAwait(false);
        return LineDiff.Unified(from.Content, to.Content, $"{name}@{fromVersion}", $"{name}@{toVersion}");
    }

    /// <summary>Makes <paramref name="version"/> active after validating it.</summary>
    /// <exception cref="TemplateValidationException">The version does not validate.</exception>
    public async Task ActivateAsync(string name, int version, CancellationToken cancellationToken)
    {
        var report = await ValidateAsync(name, version, cancellationToken).ConfigureAwait(false);
        if (!report.IsValid)
        {
            throw new TemplateValidationException(
                $"Template '{name}' v{version} does not validate: {string.Join("; ", report.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5))}",
                report);
        }

        await _repository.ActivateAsync(name, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Activates <paramref name="toVersion"/>, or the version before the active one; returns the version now active.</summary>
    public async Task<int> RollbackAsync(string name, int? toVersion, CancellationToken cancellationToken)
    {
        var versions = await _repository.ListVersionsAsync(name, cancellationToken).ConfigureAwait(false);
        var active = versions.FirstOrDefault(v => v.IsActive)
            ?? throw new TemplateNotFoundException($"Template '{name}' has no active version to roll back from.");
        var target = toVersion ?? versions.Where(v => v.Version < active.Version).Select(v => (int?)v.Version).Max()
            ?? throw new InvalidOperationException($"Template '{name}' v{active.Version} is its first version; there is nothing to roll back to.");
        await ActivateAsync(name, target, cancellationToken).ConfigureAwait(false);
        return target;
    }

    private async Task<TemplateVersion> RequireAsync(string name, int version, CancellationToken cancellationToken) =>
        await _repository.GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false)
        ?? throw new TemplateNotFoundException($"Template '{name}' has no version {version}.");

    private async Task<List<TemplateSource>> ActivePartialsAsync(CancellationToken cancellationToken)
    {
        var active = await _repository.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        return TemplateRenderer.SelectPartials(active, new LookupScope());
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name.StartsWith('/') || name.EndsWith('/') || name.Contains("//", StringComparison.Ordinal) || name.Split('/').Any(s => s is "." or "..")
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw new ArgumentException($"'{name}' is not a valid template name (letters, digits, - _ . and / between segments).", nameof(name));
        }
    }
}
