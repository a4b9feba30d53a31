using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Identity;

/// <summary>
/// Authenticates <c>Authorization: Bearer prv_...</c> API tokens: looks the sha256 up, refuses revoked or expired tokens and
/// disabled users, and records last use (at most once a minute per token, so automation does not write on every call).
/// </summary>
public sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IUserRepository users,
    TimeProvider timeProvider) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly ConcurrentDictionary<Guid, DateTimeOffset> LastTouched = new();

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var token = header["Bearer ".Length..].Trim();
        // Agent, boot and image routes take per-boot tokens and check them themselves: not ours to judge (and a
        // failure here would log one line per agent request).
        if (Request.Path.StartsWithSegments("/api/agent", StringComparison.OrdinalIgnoreCase)
            || Request.Path.StartsWithSegments("/boot", StringComparison.OrdinalIgnoreCase)
            || Request.Path.StartsWithSegments("/images", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!ApiTokenCodec.LooksValid(token))
        {
            return AuthenticateResult.Fail("The bearer token is not a Provisioner API token.");
        }

        var record = await users.FindTokenByHashAsync(ApiTokenCodec.HashOf(token), Context.RequestAborted);
        var now = timeProvider.GetUtcNow();
        if (record is null || record.RevokedAt is not null || (record.ExpiresAt is { } exp && exp <= now))
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }

        var user = await users.GetAsync(record.UserId, Context.RequestAborted);
        if (user is null || user.Disabled)
        {
            return AuthenticateResult.Fail("The token's user is disabled or deleted.");
        }

        if (!LastTouched.TryGetValue(record.Id, out var touched) || now - touched > TimeSpan.FromMinutes(1))
        {
            LastTouched[record.Id] = now;
            await users.TouchTokenAsync(record.Id, now, Context.RequestAborted);
        }

        var principal = ProvisionerClaims.PrincipalFor(user, "token", record.Id);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"provisioner\"";
        return Task.CompletedTask;
    }
}
