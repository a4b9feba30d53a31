using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages;

[Authorize(Policy = ProvisionerClaims.AdminPolicy)]
public sealed class UsersModel(IUserRepository users, UserAccounts accounts) : PageModel
{
    public IReadOnlyList<User> Users { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => Users = await users.ListAsync(ct);

    public async Task<IActionResult> OnPostCreateAsync(string name, string password, string role, CancellationToken ct)
    {
        try
        {
            _ = ProvisionerClaims.TryParseRole(role, out var r);
            await accounts.CreateAsync(name, password, r == 0 ? UserRole.Viewer : r, User.ActorName(), "dashboard", ct);
            TempData["Flash"] = $"User {name} created.";
        }
        catch (Exception ex) when (ex is ArgumentException or DuplicateException)
        {
            TempData["Error"] = ex.Message.Split(" (Parameter", StringSplitOptions.None)[0];
        }

        return Redirect("/users");
    }

    public async Task<IActionResult> OnPostSetAsync(Guid id, string role, bool disabled, CancellationToken ct)
    {
        var user = await users.GetAsync(id, ct);
        if (user is null || (user.Id == User.UserId() && disabled))
        {
            TempData["Error"] = "You cannot disable yourself.";
            return Redirect("/users");
        }

        _ = ProvisionerClaims.TryParseRole(role, out var r);
        await users.UpdateAsync(user with { Role = r == 0 ? user.Role : r, Disabled = disabled }, ct);
        TempData["Flash"] = $"User {user.Name} updated.";
        return Redirect("/users");
    }
}
