using System.Security.Claims;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Identity;

/// <summary>Claim and policy names, and how a user becomes a principal.</summary>
public static class ProvisionerClaims
{
    public const string CookieScheme = "provisioner-cookie";
    public const string BearerScheme = "provisioner-bearer";

    /// <summary>The default scheme: bearer when an Authorization header is present, else the dashboard cookie.</summary>
    public const string PolicyScheme = "provisioner";

    public const string ViewerPolicy = "provisioner-viewer";
    public const string OperatorPolicy = "provisioner-operator";
    public const string AdminPolicy = "provisioner-admin";

    public const string AuthMethod = "provisioner:auth";
    public const string TokenId = "provisioner:token";

    public static string RoleName(UserRole role) => role switch
    {
        UserRole.Admin => "admin",
        UserRole.Operator => "operator",
        _ => "viewer",
    };

    public static bool TryParseRole(string? text, out UserRole role)
    {
        role = text?.Trim().ToLowerInvariant() switch
        {
            "admin" => UserRole.Admin,
            "operator" => UserRole.Operator,
            "viewer" => UserRole.Viewer,
            _ => 0,
        };
        return role != 0;
    }

    public static ClaimsPrincipal PrincipalFor(User user, string authMethod, Guid? tokenId = null)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.Name),
            new(ClaimTypes.Role, RoleName(user.Role)),
            new(AuthMethod, authMethod),
        };
        if (tokenId is { } t)
        {
            claims.Add(new Claim(TokenId, t.ToString()));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, authMethod, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The name recorded in history and audit for this caller.</summary>
    public static string ActorName(this ClaimsPrincipal principal) => principal.Identity?.Name ?? "anonymous";

    public static Guid? UserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole("admin");

    public static bool IsOperator(this ClaimsPrincipal principal) => principal.IsInRole("operator") || principal.IsInRole("admin");

    public static bool UsesCookie(this ClaimsPrincipal principal) => principal.FindFirstValue(AuthMethod) == "cookie";
}
