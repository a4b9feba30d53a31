using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Api.Endpoints;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages.Templates;

public sealed class IndexModel(ITemplateRepository templates, IAuditLog audit) : PageModel
{
    public IReadOnlyList<TemplateVersion> Active { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Active = await templates.ListActiveAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string name, string kind, CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        if (ApiValidation.InvalidName(name) is not null || !TemplateEndpoints.Kinds.Contains(kind))
        {
            TempData["Error"] = ApiValidation.InvalidName(name) ?? $"Unknown kind '{kind}'.";
            return Redirect("/templates");
        }

        if (await templates.GetActiveAsync(name, ct) is null)
        {
            await templates.AddVersionAsync(name, kind, "", User.ActorName(), "created", activate: true, ct);
            await audit.RecordAsync(HttpContext, "template.version", "template", name, "version 1 (active)");
        }

        return Redirect($"/templates/{Uri.EscapeDataString(name)}");
    }
}
