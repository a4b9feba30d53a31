using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages;

/// <summary>Your API tokens: create (the secret is shown once, here), list, revoke.</summary>
public sealed class TokensModel(IUserRepository users, UserAccounts accounts) : PageModel
{
    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    public string? NewSecret { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Tokens = await users.ListTokensAsync(User.UserId(), ct);

    public async Task<IActionResult> OnPostCreateAsync(string name, int? days, CancellationToken ct)
    {
        var user = await users.GetAsync(User.UserId() ?? Guid.Empty, ct);
        if (user is null)
        {
            return Forbid();
        }

        var issued = await accounts.IssueTokenAsync(user, name, days is > 0 and <= 3650 ? TimeSpan.FromDays(days.Value) : null, user.Name, "dashboard", ct);
        NewSecret = issued.Token;
        Tokens = await users.ListTokensAsync(user.Id, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid id, CancellationToken ct)
    {
        var token = (await users.ListTokensAsync(User.UserId(), ct)).FirstOrDefault(t => t.Id == id);
        if (token is not null)
        {
            await accounts.RevokeTokenAsync(token, User.ActorName(), "dashboard", ct);
            TempData["Flash"] = $"Token {token.Name} revoked.";
        }

        return Redirect("/tokens");
    }
}
