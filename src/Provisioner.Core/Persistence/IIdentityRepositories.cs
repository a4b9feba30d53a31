namespace Provisioner.Core.Persistence;

/// <summary>What a user may do. Persisted: never renumber.</summary>
public enum UserRole
{
    /// <summary>Read only.</summary>
    Viewer = 1,

    /// <summary>Run jobs, power, edit templates.</summary>
    Operator = 2,

    /// <summary>Everything, including users.</summary>
    Admin = 3,
}

public sealed record User
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    /// <summary>Self-describing slow salted hash (algorithm, iterations, salt, hash).</summary>
    public required string PasswordHash { get; init; }

    public required UserRole Role { get; init; }

    public bool Disabled { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>An API token for automation. Only its hash is stored; the token is shown once at creation.</summary>
public sealed record ApiToken
{
    public required Guid Id { get; init; }

    public required Guid UserId { get; init; }

    public required string Name { get; init; }

    /// <summary>Hex sha256 of the token.</summary>
    public required string TokenHash { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }
}

public interface IUserRepository
{
    Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken);

    Task<User?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<User?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task AddAsync(User user, CancellationToken cancellationToken);

    Task UpdateAsync(User user, CancellationToken cancellationToken);

    Task<int> CountAsync(CancellationToken cancellationToken);

    Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken);

    Task<ApiToken?> FindTokenByHashAsync(string tokenHash, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiToken>> ListTokensAsync(Guid? userId, CancellationToken cancellationToken);

    Task RevokeTokenAsync(Guid tokenId, DateTimeOffset at, CancellationToken cancellationToken);

    Task TouchTokenAsync(Guid tokenId, DateTimeOffset at, CancellationToken cancellationToken);
}
