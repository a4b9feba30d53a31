using Provisioner.Core.Inventory;

namespace Provisioner.Appliance.Api;

/// <summary>A problem found in a template, with its position when known.</summary>
public sealed record TemplateIssue(string Severity, string Message, int? Line = null, int? Column = null);

public sealed record TemplateCheck(bool Valid, IReadOnlyList<TemplateIssue> Issues);

public sealed record TemplatePreview(string Rendered, IReadOnlyList<TemplateIssue> Issues);

/// <summary>
/// Validates and renders templates for the template editor. The appliance implements it over the template engine;
/// without one, validate and preview answer 501.
/// </summary>
public interface ITemplatePreviewer
{
    Task<TemplateCheck> ValidateAsync(string name, string kind, string content, CancellationToken cancellationToken);

    /// <summary>Renders <paramref name="content"/> (unsaved text) as the node <paramref name="nodeId"/> would get it.</summary>
    Task<TemplatePreview> PreviewAsync(string name, string kind, string content, Guid nodeId, CancellationToken cancellationToken);
}

/// <summary>
/// Turns an uploaded, sha256-verified image file into what deploys stream (e.g. the chunked format). The default keeps the
/// file as uploaded.
/// </summary>
public interface IImageImporter
{
    /// <param name="uploaded">The image as uploaded (Location = the file path).</param>
    /// <returns>The image to register (format, location, sizes after import).</returns>
    Task<Image> ImportAsync(Image uploaded, CancellationToken cancellationToken);
}

/// <summary>
/// One check of <c>GET /api/v1/diagnostics</c> and <c>provisioner doctor</c> (boot loaders present, listeners up, other DHCP
/// servers, BMCs...). Checks run concurrently; each is cancelled after its <see cref="Timeout"/> and then reported failed.
/// </summary>
public interface IDiagnosticCheck
{
    /// <summary>Short kebab-case name ("boot-loaders").</summary>
    string Name { get; }

    /// <summary>How long the check may take before it is cancelled and reported as failed.</summary>
    TimeSpan Timeout => TimeSpan.FromSeconds(10);

    Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken);
}

/// <param name="Status">"ok", "warn" or "fail".</param>
/// <param name="Fix">What the operator should do when not ok.</param>
public sealed record DiagnosticResult(string Status, string Summary, string? Fix = null)
{
    /// <summary>Facts for programs, e.g. the TFTP listener's address and port (the CLI probes it from the operator's machine).</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }

    public static DiagnosticResult Ok(string summary) => new("ok", summary);

    public static DiagnosticResult Warn(string summary, string fix) => new("warn", summary, fix);

    public static DiagnosticResult Fail(string summary, string fix) => new("fail", summary, fix);
}

internal sealed class UnconfiguredTemplatePreviewer : ITemplatePreviewer
{
    public Task<TemplateCheck> ValidateAsync(string name, string kind, string content, CancellationToken cancellationToken) =>
        throw new FeatureUnavailableException("Template validation is not wired on this appliance (no ITemplatePreviewer registered).");

    public Task<TemplatePreview> PreviewAsync(string name, string kind, string content, Guid nodeId, CancellationToken cancellationToken) =>
        throw new FeatureUnavailableException("Template preview is not wired on this appliance (no ITemplatePreviewer registered).");
}

internal sealed class KeepAsUploadedImporter : IImageImporter
{
    public Task<Image> ImportAsync(Image uploaded, CancellationToken cancellationToken) => Task.FromResult(uploaded);
}

/// <summary>Settings of the REST API (the appliance binds the "Api" section; see docs/configuration.md).</summary>
public sealed class ApiOptions
{
    /// <summary>Where uploaded and imported images are written, and what image locations are relative to. The appliance
    /// sets it from Paths:Images (the directory it serves images from); not a setting of its own.</summary>
    public string ImagesDirectory { get; set; } = "var/images";

    /// <summary>Largest image upload accepted, in bytes (default 64 GiB).</summary>
    public long MaxImageUploadBytes { get; set; } = 64L << 30;

    /// <summary>Raw bytes per chunk when an image is imported into the chunked format: a multiple of 4096. A deploying
    /// node holds about (ParallelChunks + 1) chunks in memory (4 × 32 MiB by default).</summary>
    public int ImportChunkBytes { get; set; } = 32 << 20;
}
