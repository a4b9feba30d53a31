using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages;

/// <summary>The one-time first-admin form: works only while the appliance has no users.</summary>
public sealed class SetupModel(UserAccounts accounts, IUserRepository users) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Message { get; private set; }

    public bool Done { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Done = await users.CountAsync(ct) > 0;

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        try
        {
            var user = await accounts.SetupFirstAdminAsync(Name ?? "", Password ?? "", "dashboard " + HttpContext.Connection.RemoteIpAddress, ct);
            if (user is null)
            {
                Done = true;
                return Page();
            }

            await HttpContext.SignInAsync(ProvisionerClaims.CookieScheme, ProvisionerClaims.PrincipalFor(user, "cookie"));
            return Redirect("/");
        }
        catch (ArgumentException ex)
        {
            Message = ex.Message.Split(" (Parameter", StringSplitOptions.None)[0];
            return Page();
        }
    }
}
