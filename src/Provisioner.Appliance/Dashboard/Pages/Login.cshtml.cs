using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages;

public sealed class LoginModel(UserAccounts accounts, IUserRepository users) : PageModel
{
    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }

    public bool SetupRequired { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => SetupRequired = await users.CountAsync(ct) == 0;

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var (result, user, retryAfter) = await accounts.SignInAsync(Name ?? "", Password ?? "", HttpContext.Connection.RemoteIpAddress?.ToString(),
            "dashboard", ct);
        if (result != SignInOutcome.Succeeded)
        {
            Message = result == SignInOutcome.Throttled
                ? $"Too many failed attempts; try again in {Math.Ceiling(retryAfter!.Value.TotalMinutes)} minute(s)."
                : "Wrong user name or password.";
            Response.StatusCode = result == SignInOutcome.Throttled ? 429 : 200;
            return Page();
        }

        await HttpContext.SignInAsync(ProvisionerClaims.CookieScheme, ProvisionerClaims.PrincipalFor(user!, "cookie"));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}
