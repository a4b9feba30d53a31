using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages.Templates;

/// <summary>The template editor: edit, validate, preview for a node, save as a new version, diff, activate, roll back.</summary>
public sealed class EditModel(ITemplateRepository templates, INodeRepository nodes, IAuditLog audit) : PageModel
{
    public string Name { get; private set; } = "";

    public TemplateVersion Shown { get; private set; } = null!;

    public IReadOnlyList<TemplateVersion> Versions { get; private set; } = [];

    public IReadOnlyList<Node> Nodes { get; private set; } = [];

    public IReadOnlyList<DiffLine>? Diff { get; private set; }

    public int? DiffFrom { get; private set; }

    public async Task<IActionResult> OnGetAsync(string name, int? version, int? diff, CancellationToken ct)
    {
        Name = name;
        Versions = await templates.ListVersionsAsync(name, ct);
        if (Versions.Count == 0)
        {
            return NotFound();
        }

        Shown = (version is { } v ? Versions.FirstOrDefault(x => x.Version == v) : null) ?? Versions.FirstOrDefault(x => x.IsActive) ?? Versions[0];
        Nodes = (await nodes.ListAsync(new NodeQuery { Page = new PageRequest(0, 200) }, ct)).Items;
        if (diff is { } d && Versions.FirstOrDefault(x => x.Version == d) is { } older)
        {
            DiffFrom = d;
            Diff = TextDiff.Lines(older.Content, Shown.Content);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string name, string content, string? comment, bool activate, CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        var active = await templates.GetActiveAsync(name, ct);
        if (active is null)
        {
            return NotFound();
        }

        var saved = await templates.AddVersionAsync(name, active.Kind, content.Replace("\r\n", "\n", StringComparison.Ordinal), User.ActorName(),
            string.IsNullOrWhiteSpace(comment) ? null : comment, activate, ct);
        await audit.RecordAsync(HttpContext, "template.version", "template", name, $"version {saved.Version}{(activate ? " (active)" : "")}");
        TempData["Flash"] = $"Saved version {saved.Version}{(activate ? " and activated it" : "")}.";
        return Redirect($"/templates/{Uri.EscapeDataString(name)}?version={saved.Version}");
    }

    public async Task<IActionResult> OnPostActivateAsync(string name, int version, CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        if (await templates.GetVersionAsync(name, version, ct) is null)
        {
            return NotFound();
        }

        await templates.ActivateAsync(name, version, ct);
        await audit.RecordAsync(HttpContext, "template.activate", "template", name, $"version {version}");
        TempData["Flash"] = $"Version {version} is now active.";
        return Redirect($"/templates/{Uri.EscapeDataString(name)}?version={version}");
    }
}
