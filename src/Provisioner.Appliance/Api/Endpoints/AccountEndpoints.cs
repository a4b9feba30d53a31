using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/setup, /api/v1/auth/*, /api/v1/users, /api/v1/tokens.</summary>
public static class AccountEndpoints
{
    /// <summary>Routes that work without authentication (setup only while there are no users; login is throttled).</summary>
    public static void MapAnonymous(RouteGroupBuilder api)
    {
        api.MapPost("/setup", Setup).WithTags("Auth").WithName("SetupFirstAdmin").AllowAnonymous();
        api.MapGet("/setup", SetupStatus).WithTags("Auth").WithName("SetupStatus").AllowAnonymous();
        api.MapPost("/auth/login", Login).WithTags("Auth").WithName("Login").AllowAnonymous();
    }

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/auth/whoami", WhoAmI).WithTags("Auth").WithName("WhoAmI");

        var users = api.MapGroup("/users").WithTags("Users").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        users.MapGet("/", ListUsers).WithName("ListUsers");
        users.MapPost("/", CreateUser).WithName("CreateUser");
        users.MapPatch("/{id:guid}", UpdateUser).WithName("UpdateUser");

        var tokens = api.MapGroup("/tokens").WithTags("Tokens");
        tokens.MapGet("/", ListTokens).WithName("ListTokens");
        tokens.MapPost("/", CreateToken).WithName("CreateToken");
        tokens.MapDelete("/{id:guid}", RevokeToken).WithName("RevokeToken");
    }

    public sealed record SetupStatusDto(bool SetupRequired);

    private static async Task<Ok<SetupStatusDto>> SetupStatus(IUserRepository users, CancellationToken ct) =>
        TypedResults.Ok(new SetupStatusDto(await users.CountAsync(ct) == 0));

    private static async Task<Results<Created<UserDto>, ProblemHttpResult>> Setup(SetupRequest request, UserAccounts accounts, HttpContext http,
        CancellationToken ct)
    {
        var user = await accounts.SetupFirstAdminAsync(request.Name ?? string.Empty, request.Password ?? string.Empty,
            "setup " + http.Connection.RemoteIpAddress, ct);
        return user is null
            ? TypedResults.Problem("This appliance already has users; sign in as an admin to add more.", statusCode: 409,
                title: "Setup already done", type: ApiExceptionFilter.ProblemBase + "setup-done")
            : TypedResults.Created($"/api/v1/users/{user.Id}", UserDto.From(user));
    }

    private static async Task<Results<Ok<IssuedTokenDto>, ProblemHttpResult>> Login(LoginRequest request, UserAccounts accounts, HttpContext http,
        CancellationToken ct)
    {
        var client = http.Connection.RemoteIpAddress?.ToString();
        var (result, user, retryAfter) = await accounts.SignInAsync(request.Name ?? string.Empty, request.Password ?? string.Empty, client, "api", ct);
        if (result == SignInOutcome.Throttled)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter!.Value.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem($"Too many failed sign-ins; try again in {Math.Ceiling(retryAfter.Value.TotalMinutes)} minute(s).",
                statusCode: 429, title: "Too many attempts", type: ApiExceptionFilter.ProblemBase + "throttled");
        }

        if (result == SignInOutcome.Failed)
        {
            return TypedResults.Problem("Wrong user name or password (or the user is disabled).", statusCode: 401, title: "Sign-in failed",
                type: ApiExceptionFilter.ProblemBase + "sign-in-failed");
        }

        var lifetime = request.ExpiresInDays is { } days ? TimeSpan.FromDays(Math.Clamp(days, 1, 3650)) : (TimeSpan?)null;
        var issued = await accounts.IssueTokenAsync(user!, request.TokenName ?? "cli", lifetime, user!.Name, "api " + client, ct);
        return TypedResults.Ok(new IssuedTokenDto(TokenDto.From(issued.Record), issued.Token));
    }

    private static Ok<WhoAmIDto> WhoAmI(HttpContext http) =>
        TypedResults.Ok(new WhoAmIDto(http.User.UserId() ?? Guid.Empty, http.User.ActorName(),
            http.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? "none", http.User.FindFirst(ProvisionerClaims.AuthMethod)?.Value ?? "none"));

    private static async Task<Ok<PagedResponse<UserDto>>> ListUsers(IUserRepository users, int? offset, int? limit, CancellationToken ct) =>
        TypedResults.Ok(PageQuery.Slice(await users.ListAsync(ct), PageQuery.From(offset, limit), UserDto.From));

    private static async Task<Created<UserDto>> CreateUser(UserRequest request, UserAccounts accounts, HttpContext http, CancellationToken ct)
    {
        if (!ProvisionerClaims.TryParseRole(request.Role ?? "viewer", out var role))
        {
            throw ApiValidationException.For("role", "Use admin, operator or viewer.");
        }

        var user = await CreateChecked(accounts, request.Name, request.Password, role, http, ct);
        return TypedResults.Created($"/api/v1/users/{user.Id}", UserDto.From(user));
    }

    private static async Task<User> CreateChecked(UserAccounts accounts, string? name, string? password, UserRole role, HttpContext http,
        CancellationToken ct)
    {
        try
        {
            return await accounts.CreateAsync(name ?? string.Empty, password ?? string.Empty, role, http.User.ActorName(), ApiCaller.Of(http).Source, ct);
        }
        catch (ArgumentException ex)
        {
            throw ApiValidationException.For(ex.ParamName ?? "request", ex.Message.Split(" (Parameter", StringSplitOptions.None)[0]);
        }
    }

    private static async Task<Ok<UserDto>> UpdateUser(Guid id, UserRequest request, IUserRepository users, UserAccounts accounts, IAuditLog audit,
        HttpContext http, CancellationToken ct)
    {
        var user = await users.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No user with id {id}.");
        if (request.Role is not null)
        {
            if (!ProvisionerClaims.TryParseRole(request.Role, out var role))
            {
                throw ApiValidationException.For("role", "Use admin, operator or viewer.");
            }

            user = user with { Role = role };
        }

        if (request.Disabled is { } disabled)
        {
            if (disabled && user.Id == http.User.UserId())
            {
                throw ApiValidationException.For("disabled", "You cannot disable yourself; ask another admin.");
            }

            user = user with { Disabled = disabled };
        }

        await users.UpdateAsync(user, ct);
        if (request.Password is not null)
        {
            try
            {
                user = await accounts.SetPasswordAsync(user, request.Password, http.User.ActorName(), ApiCaller.Of(http).Source, ct);
            }
            catch (ArgumentException ex)
            {
                throw ApiValidationException.For("password", ex.Message.Split(" (Parameter", StringSplitOptions.None)[0]);
            }
        }

        await audit.RecordAsync(http, "user.update", "user", id.ToString(), $"{user.Name}: role {ProvisionerClaims.RoleName(user.Role)}{(user.Disabled ? ", disabled" : string.Empty)}");
        return TypedResults.Ok(UserDto.From(user));
    }

    /// <summary>Your own tokens; an admin may pass ?all=true.</summary>
    private static async Task<Ok<TokenDto[]>> ListTokens(bool? all, IUserRepository users, HttpContext http, CancellationToken ct)
    {
        var mine = all == true && http.User.IsAdmin() ? null : http.User.UserId();
        return TypedResults.Ok((await users.ListTokensAsync(mine, ct)).Select(TokenDto.From).ToArray());
    }

    private static async Task<Created<IssuedTokenDto>> CreateToken(TokenRequest request, IUserRepository users, UserAccounts accounts, HttpContext http,
        CancellationToken ct)
    {
        var user = await users.GetAsync(http.User.UserId() ?? Guid.Empty, ct) ?? throw new ApiNotFoundException("Your user no longer exists.");
        if (request.ExpiresInDays is < 1 or > 3650)
        {
            throw ApiValidationException.For("expiresInDays", "Use 1 to 3650 days, or leave it out for a token that does not expire.");
        }

        var issued = await accounts.IssueTokenAsync(user, request.Name ?? "token", request.ExpiresInDays is { } d ? TimeSpan.FromDays(d) : null,
            user.Name, ApiCaller.Of(http).Source, ct);
        return TypedResults.Created($"/api/v1/tokens/{issued.Record.Id}", new IssuedTokenDto(TokenDto.From(issued.Record), issued.Token));
    }

    private static async Task<NoContent> RevokeToken(Guid id, IUserRepository users, UserAccounts accounts, HttpContext http, CancellationToken ct)
    {
        var token = (await users.ListTokensAsync(http.User.IsAdmin() ? null : http.User.UserId(), ct)).FirstOrDefault(t => t.Id == id)
                    ?? throw new ApiNotFoundException($"No token {id} of yours.");
        await accounts.RevokeTokenAsync(token, http.User.ActorName(), ApiCaller.Of(http).Source, ct);
        return TypedResults.NoContent();
    }
}
