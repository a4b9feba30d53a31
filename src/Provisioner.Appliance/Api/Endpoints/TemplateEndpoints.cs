using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;
using Provisioner.Templates.Lookup;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/templates: versions are immutable; activate and roll back choose which one is served.</summary>
public static class TemplateEndpoints
{
    public static readonly string[] Kinds =
    [
        "ipxe", "cloud-init-user-data", "cloud-init-meta-data", "cloud-init-network-config", "kickstart", "preseed", "autoinstall",
        "chef", "kubeadm", "pxelinux", "grub", "partial", "text",
    ];

    /// <summary>Largest template accepted (bytes of text).</summary>
    public const int MaxContentLength = 512 * 1024;

    public static void Map(RouteGroupBuilder api)
    {
        var t = api.MapGroup("/templates").WithTags("Templates");
        t.MapGet("/", List).WithName("ListTemplates");
        t.MapGet("/{name}", GetActive).WithName("GetTemplate");
        t.MapGet("/{name}/versions", Versions).WithName("ListTemplateVersions");
        t.MapGet("/{name}/versions/{version:int}", GetVersion).WithName("GetTemplateVersion");
        t.MapPost("/{name}/versions", AddVersion).WithName("CreateTemplateVersion").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        t.MapPost("/{name}/activate", Activate).WithName("ActivateTemplateVersion").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        t.MapPost("/{name}/rollback", Rollback).WithName("RollbackTemplate").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        t.MapGet("/{name}/diff", Diff).WithName("DiffTemplateVersions");
        t.MapPost("/validate", Validate).WithName("ValidateTemplate");
        t.MapPost("/preview", Preview).WithName("PreviewTemplate");
    }

    private static async Task<Ok<PagedResponse<TemplateSummaryDto>>> List(ITemplateRepository repo, string? search, string? kind, int? offset, int? limit,
        CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        var all = (await repo.ListActiveAsync(ct))
            .Where(x => search is null || x.Name.Contains(search, StringComparison.OrdinalIgnoreCase))
            .Where(x => kind is null || x.Kind == kind);
        return TypedResults.Ok(PageQuery.Slice(all, page, x => new TemplateSummaryDto(x.Name, x.Version, x.Kind, x.Author, x.CreatedAt)));
    }

    private static async Task<Ok<TemplateDto>> GetActive(string name, ITemplateRepository repo, CancellationToken ct) =>
        TypedResults.Ok(TemplateDto.From(await repo.GetActiveAsync(name, ct) ?? throw new ApiNotFoundException($"No template named '{name}'.")));

    private static async Task<Ok<TemplateDto[]>> Versions(string name, ITemplateRepository repo, CancellationToken ct)
    {
        var versions = await repo.ListVersionsAsync(name, ct);
        return versions.Count == 0 ? throw new ApiNotFoundException($"No template named '{name}'.") : TypedResults.Ok(versions.Select(TemplateDto.From).ToArray());
    }

    private static async Task<Ok<TemplateDto>> GetVersion(string name, int version, ITemplateRepository repo, CancellationToken ct) =>
        TypedResults.Ok(TemplateDto.From(await repo.GetVersionAsync(name, version, ct)
                                         ?? throw new ApiNotFoundException($"Template '{name}' has no version {version}.")));

    private static async Task<Created<TemplateDto>> AddVersion(string name, TemplateVersionRequest request, ITemplateRepository repo, IAuditLog audit,
        HttpContext http, CancellationToken ct)
    {
        var active = await repo.GetActiveAsync(name, ct);
        var e = new ValidationErrors();
        if (ApiValidation.InvalidName(name) is { } nameProblem)
        {
            e.Add("name", nameProblem);
        }

        var kind = request.Kind ?? active?.Kind;
        if (kind is null || !Kinds.Contains(kind))
        {
            e.Add("kind", $"Use one of: {string.Join(", ", Kinds)}.");
        }

        if (request.Content is null)
        {
            e.Add("content", "Give the template text.");
        }
        else if (request.Content.Length > MaxContentLength)
        {
            e.Add("content", $"Templates are limited to {MaxContentLength} characters.");
        }

        e.ThrowIfAny();
        var saved = await repo.AddVersionAsync(name, kind!, request.Content!, ApiCaller.Of(http).Name, request.Comment, request.Activate ?? false, ct);
        await audit.RecordAsync(http, "template.version", "template", name, $"version {saved.Version}{(saved.IsActive ? " (active)" : string.Empty)}");
        return TypedResults.Created($"/api/v1/templates/{name}/versions/{saved.Version}", TemplateDto.From(saved));
    }

    private static async Task<Ok<TemplateDto>> Activate(string name, TemplateActivateRequest request, ITemplateRepository repo, IAuditLog audit,
        HttpContext http, CancellationToken ct)
    {
        if (request.Version is not { } version)
        {
            throw ApiValidationException.For("version", "Give the version number to activate.");
        }

        _ = await repo.GetVersionAsync(name, version, ct) ?? throw new ApiNotFoundException($"Template '{name}' has no version {version}.");
        await repo.ActivateAsync(name, version, ct);
        await audit.RecordAsync(http, "template.activate", "template", name, $"version {version}");
        return TypedResults.Ok(TemplateDto.From((await repo.GetActiveAsync(name, ct))!));
    }

    /// <summary>Activates the newest version older than the active one.</summary>
    private static async Task<Ok<TemplateDto>> Rollback(string name, ITemplateRepository repo, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var active = await repo.GetActiveAsync(name, ct) ?? throw new ApiNotFoundException($"No template named '{name}'.");
        var previous = (await repo.ListVersionsAsync(name, ct)).Where(v => v.Version < active.Version).MaxBy(v => v.Version)
                       ?? throw new InvalidOperationException($"Template '{name}' has no version before {active.Version} to roll back to.");
        await repo.ActivateAsync(name, previous.Version, ct);
        await audit.RecordAsync(http, "template.rollback", "template", name, $"version {active.Version} -> {previous.Version}");
        return TypedResults.Ok(TemplateDto.From((await repo.GetActiveAsync(name, ct))!));
    }

    private static async Task<Ok<TemplateDiffDto>> Diff(string name, int? from, int? to, ITemplateRepository repo, CancellationToken ct)
    {
        var versions = await repo.ListVersionsAsync(name, ct);
        if (versions.Count == 0)
        {
            throw new ApiNotFoundException($"No template named '{name}'.");
        }

        var newer = to is { } t ? versions.FirstOrDefault(v => v.Version == t) : versions.FirstOrDefault(v => v.IsActive) ?? versions[0];
        var older = from is { } f ? versions.FirstOrDefault(v => v.Version == f) : versions.Where(v => v.Version < (newer?.Version ?? 0)).MaxBy(v => v.Version);
        if (newer is null || older is null)
        {
            throw ApiValidationException.For(newer is null ? "to" : "from",
                $"Template '{name}' has versions {string.Join(", ", versions.Select(v => v.Version).Order())}; pick two of them.");
        }

        var lines = TextDiff.Lines(older.Content, newer.Content);
        return TypedResults.Ok(new TemplateDiffDto(name, older.Version, newer.Version,
            TextDiff.Unified(lines, $"{name} v{older.Version}", $"{name} v{newer.Version}"), [.. lines]));
    }

    private static async Task<Ok<TemplateCheck>> Validate(TemplateCheckRequest request, ITemplateRepository repo, ITemplatePreviewer previewer,
        CancellationToken ct)
    {
        var (name, kind, content) = await ResolveContent(request, repo, ct);
        return TypedResults.Ok(await previewer.ValidateAsync(name, kind, content, ct));
    }

    private static async Task<Ok<TemplatePreview>> Preview(TemplateCheckRequest request, ITemplateRepository repo, INodeRepository nodes,
        ITemplatePreviewer previewer, CancellationToken ct)
    {
        if (request.NodeId is not { } nodeId)
        {
            throw ApiValidationException.For("nodeId", "Choose the node to render the template for.");
        }

        _ = await nodes.GetAsync(nodeId, ct) ?? throw ApiValidationException.For("nodeId", $"No node with id {nodeId}.");
        var (name, kind, content) = await ResolveContent(request, repo, ct);
        return TypedResults.Ok(await previewer.PreviewAsync(name, kind, content, nodeId, ct));
    }

    /// <summary>Unsaved text when given, else the stored version (or the active one).</summary>
    private static async Task<(string Name, string Kind, string Content)> ResolveContent(TemplateCheckRequest request, ITemplateRepository repo,
        CancellationToken ct)
    {
        var name = request.Name ?? "unsaved";
        if (request.Content is { } content)
        {
            if (content.Length > MaxContentLength)
            {
                throw ApiValidationException.For("content", $"Templates are limited to {MaxContentLength} characters.");
            }

            var kind = request.Kind ?? (await repo.GetActiveAsync(name, ct))?.Kind ?? TemplateKinds.Infer(name);
            return (name, kind, content);
        }

        var stored = request.Version is { } v ? await repo.GetVersionAsync(name, v, ct) : await repo.GetActiveAsync(name, ct);
        return stored is null
            ? throw ApiValidationException.For("content", "Give the template text, or the name (and version) of a stored template.")
            : (stored.Name, stored.Kind, stored.Content);
    }
}
