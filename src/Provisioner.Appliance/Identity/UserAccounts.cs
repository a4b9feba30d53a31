using System.Text.RegularExpressions;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Identity;

/// <summary>The outcome of a sign-in attempt.</summary>
public enum SignInOutcome
{
    Succeeded,
    Failed,
    Throttled,
}

/// <summary>A new API token: <see cref="Token"/> is the only time the secret exists outside the caller.</summary>
public sealed record IssuedToken(ApiToken Record, string Token);

/// <summary>
/// Users, passwords and API tokens: sign-in with throttling and audit, the one-time first-admin setup, token issue and
/// revocation. Used by the API, the dashboard and the <c>admin</c> command alike, so the rules are in one place.
/// </summary>
public sealed partial class UserAccounts(IUserRepository users, IAuditLog audit, SignInThrottle throttle, TimeProvider timeProvider)
{
    private static readonly SemaphoreSlim SetupGate = new(1, 1);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex UserNamePattern();

    public static string? InvalidUserName(string? name) =>
        name is not null && UserNamePattern().IsMatch(name) ? null
            : "Use 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.";

    /// <summary>Checks a name and password; on success returns the user. Failures are counted, throttled and audited.</summary>
    public async Task<(SignInOutcome Result, User? User, TimeSpan? RetryAfter)> SignInAsync(string name, string password, string? client,
        string source, CancellationToken cancellationToken)
    {
        name = (name ?? string.Empty).Trim();
        if (throttle.RetryAfter(name, client) is { } wait)
        {
            await AuditAsync("anonymous", "sign-in.throttled", "user", name, client, $"refused for {wait.TotalSeconds:0} s after repeated failures ({source})", cancellationToken);
            return (SignInOutcome.Throttled, null, wait);
        }

        var user = name.Length is > 0 and <= 64 ? await users.FindByNameAsync(name, cancellationToken) : null;

        // Hash even for unknown users, so response time does not reveal which names exist.
        var ok = PasswordHasher.Verify(password ?? string.Empty, user?.PasswordHash ?? DummyHash, out var needsRehash) && user is not null && !user.Disabled;
        if (!ok)
        {
            throttle.RecordFailure(name, client);
            await AuditAsync("anonymous", "sign-in.failed", "user", name, client,
                user is { Disabled: true } ? $"user is disabled ({source})" : $"wrong name or password ({source})", cancellationToken);
            return (SignInOutcome.Failed, null, null);
        }

        throttle.RecordSuccess(name);
        if (needsRehash)
        {
            user = user! with { PasswordHash = PasswordHasher.Hash(password!) };
            await users.UpdateAsync(user, cancellationToken);
        }

        await AuditAsync(user!.Name, "sign-in", "user", user.Id.ToString(), client, source, cancellationToken);
        return (SignInOutcome.Succeeded, user, null);
    }

    /// <summary>Creates a user after checking the name and password rules. <see cref="ArgumentException"/> says what to fix.</summary>
    public async Task<User> CreateAsync(string name, string password, UserRole role, string actor, string? source, CancellationToken cancellationToken)
    {
        name = (name ?? string.Empty).Trim();
        if (InvalidUserName(name) is { } nameProblem)
        {
            throw new ArgumentException(nameProblem, nameof(name));
        }

        if (PasswordHasher.Weakness(password, name) is { } weakness)
        {
            throw new ArgumentException(weakness, nameof(password));
        }

        var user = new User
        {
            Id = Guid.NewGuid(),
            Name = name,
            PasswordHash = PasswordHasher.Hash(password),
            Role = role,
            CreatedAt = timeProvider.GetUtcNow(),
        };
        await users.AddAsync(user, cancellationToken);
        await AuditAsync(actor, "user.create", "user", user.Id.ToString(), source, $"{name} as {ProvisionerClaims.RoleName(role)}", cancellationToken);
        return user;
    }

    /// <summary>Creates the first admin, only while there are no users at all; null when setup has already been done.</summary>
    public async Task<User?> SetupFirstAdminAsync(string name, string password, string? source, CancellationToken cancellationToken)
    {
        await SetupGate.WaitAsync(cancellationToken);
        try
        {
            if (await users.CountAsync(cancellationToken) > 0)
            {
                return null;
            }

            return await CreateAsync(name, password, UserRole.Admin, "setup", source, cancellationToken);
        }
        finally
        {
            SetupGate.Release();
        }
    }

    public async Task<User> SetPasswordAsync(User user, string password, string actor, string? source, CancellationToken cancellationToken)
    {
        if (PasswordHasher.Weakness(password, user.Name) is { } weakness)
        {
            throw new ArgumentException(weakness, nameof(password));
        }

        var changed = user with { PasswordHash = PasswordHasher.Hash(password) };
        await users.UpdateAsync(changed, cancellationToken);
        await AuditAsync(actor, "user.password", "user", user.Id.ToString(), source, user.Name, cancellationToken);
        return changed;
    }

    public async Task<IssuedToken> IssueTokenAsync(User user, string tokenName, TimeSpan? lifetime, string actor, string? source,
        CancellationToken cancellationToken)
    {
        tokenName = string.IsNullOrWhiteSpace(tokenName) ? "token" : tokenName.Trim();
        if (tokenName.Length > 100)
        {
            throw new ArgumentException("Use a token name of at most 100 characters.", nameof(tokenName));
        }

        var now = timeProvider.GetUtcNow();
        var secret = ApiTokenCodec.NewToken();
        var record = new ApiToken
        {
            Id = Guid.NewGuid(),
            UserId = user.Id,
            Name = tokenName,
            TokenHash = ApiTokenCodec.HashOf(secret),
            CreatedAt = now,
            ExpiresAt = lifetime is { } l ? now + l : null,
        };
        await users.AddTokenAsync(record, cancellationToken);
        await AuditAsync(actor, "token.create", "token", record.Id.ToString(), source, $"{tokenName} for {user.Name}", cancellationToken);
        return new IssuedToken(record, secret);
    }

    public async Task RevokeTokenAsync(ApiToken token, string actor, string? source, CancellationToken cancellationToken)
    {
        await users.RevokeTokenAsync(token.Id, timeProvider.GetUtcNow(), cancellationToken);
        await AuditAsync(actor, "token.revoke", "token", token.Id.ToString(), source, token.Name, cancellationToken);
    }

    private Task AuditAsync(string actor, string action, string objectType, string? objectId, string? source, string? details,
        CancellationToken cancellationToken) =>
        audit.AppendAsync(new AuditEvent
        {
            At = timeProvider.GetUtcNow(),
            Actor = actor,
            Action = action,
            ObjectType = objectType,
            ObjectId = objectId,
            Source = source,
            Details = details,
        }, cancellationToken);

    private static readonly string DummyHash = PasswordHasher.Hash(Guid.NewGuid().ToString());
}
