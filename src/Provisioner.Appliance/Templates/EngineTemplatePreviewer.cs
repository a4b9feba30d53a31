using Provisioner.Appliance.Api;
using Provisioner.Appliance.Boot;
using Provisioner.Core.Persistence;
using Provisioner.Templates.Authoring;
using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Validation;

namespace Provisioner.Appliance.Templates;

/// <summary>
/// The template editor's validate and preview, over the template engine: validation checks syntax, unknown variables and
/// helpers and the rendered output by kind; preview renders unsaved text for a real node with secrets redacted.
/// </summary>
public sealed class EngineTemplatePreviewer(TemplateService templates, NodeTemplates nodeTemplates, INodeRepository nodes) : ITemplatePreviewer
{
    public async Task<TemplateCheck> ValidateAsync(string name, string kind, string content, CancellationToken cancellationToken)
    {
        var report = await templates.ValidateContentAsync(name, kind, content, cancellationToken).ConfigureAwait(false);
        return new TemplateCheck(report.IsValid, report.Diagnostics.Select(ToIssue).ToArray());
    }

    public async Task<TemplatePreview> PreviewAsync(string name, string kind, string content, Guid nodeId, CancellationToken cancellationToken)
    {
        var node = await nodes.GetAsync(nodeId, cancellationToken).ConfigureAwait(false)
                   ?? throw new ApiNotFoundException($"No node with id {nodeId} to preview for.");
        var (context, _) = await nodeTemplates.ContextAsync(node, "preview", BootFirmware.Bios, cancellationToken, TimeSpan.FromMinutes(1)).ConfigureAwait(false);
        // Network configs render without what the BPOD layout cannot give this node; say what is missing.
        IReadOnlyList<TemplateIssue> warnings = kind == "cloud-init-network-config" || content.Contains("bpod.bonds", StringComparison.Ordinal)
                                                || content.Contains("bpod.vlans", StringComparison.Ordinal)
            ? (await nodeTemplates.NetworkProblemsAsync(node, cancellationToken).ConfigureAwait(false)).Select(p => new TemplateIssue("warning", p)).ToArray()
            : [];
        try
        {
            var result = await templates.PreviewContentAsync(name, content, context, cancellationToken).ConfigureAwait(false);
            return new TemplatePreview(result.Output, warnings);
        }
        catch (Exception e) when (e is TemplateRenderException or TemplateLimitException)
        {
            return new TemplatePreview(string.Empty, [.. warnings, new TemplateIssue("error", e.Message)]);
        }
    }

    private static TemplateIssue ToIssue(TemplateDiagnostic d) =>
        new(d.Severity.ToString().ToLowerInvariant(), d.InOutput ? $"{d.Message} (rendered output for {d.Sample})" : d.Message, d.Line, d.Column);
}
