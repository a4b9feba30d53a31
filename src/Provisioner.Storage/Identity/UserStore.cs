using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Identity;

internal sealed class UserStore(StoreDatabase db) : IUserRepository
{
    private const string UserColumns = "id, name, password_hash, role, disabled, created_at";
    private const string TokenColumns = "id, user_id, name, token_hash, created_at, expires_at, revoked_at, last_used_at";

    public async Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<UserRow>($"SELECT {UserColumns} FROM users ORDER BY name", null, cancellationToken).ConfigureAwait(false)).Select(r => r.ToUser()).ToList();

    public async Task<User?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false))?.ToUser();

    public async Task<User?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<UserRow>($"SELECT {UserColumns} FROM users WHERE name = @name", new { name }, cancellationToken).ConfigureAwait(false))
        ?.ToUser();

    public async Task AddAsync(User user, CancellationToken cancellationToken)
    {
        try
        {
            await db.ExecuteAsync($"INSERT INTO users ({UserColumns}) VALUES (@Id, @Name, @PasswordHash, @role, @Disabled, @CreatedAt)",
                new { user.Id, user.Name, user.PasswordHash, role = (int)user.Role, user.Disabled, user.CreatedAt }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A user named '{user.Name}' already exists.", e);
        }
    }

    public async Task UpdateAsync(User user, CancellationToken cancellationToken)
    {
        try
        {
            var n = await db.ExecuteAsync("UPDATE users SET name = @Name, password_hash = @PasswordHash, role = @role, disabled = @Disabled WHERE id = @Id",
                new { user.Id, user.Name, user.PasswordHash, role = (int)user.Role, user.Disabled }, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new KeyNotFoundException($"User {user.Id} does not exist.");
            }
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A user named '{user.Name}' already exists.", e);
        }
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken) =>
        (int)await db.QuerySingleOrDefaultAsync<long>("SELECT COUNT(*) FROM users", null, cancellationToken).ConfigureAwait(false);

    public async Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken)
    {
        try
        {
            await db.ExecuteAsync($"INSERT INTO api_tokens ({TokenColumns}) VALUES (@Id, @UserId, @Name, @TokenHash, @CreatedAt, @ExpiresAt, @RevokedAt, @LastUsedAt)",
                token, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException("This API token already exists.", e);
        }
    }

    public async Task<ApiToken?> FindTokenByHashAsync(string tokenHash, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<TokenRow>($"SELECT {TokenColumns} FROM api_tokens WHERE token_hash = @tokenHash", new { tokenHash }, cancellationToken)
            .ConfigureAwait(false))?.ToToken();

    public async Task<IReadOnlyList<ApiToken>> ListTokensAsync(Guid? userId, CancellationToken cancellationToken) =>
        (await db.QueryAsync<TokenRow>($"SELECT {TokenColumns} FROM api_tokens {(userId is null ? "" : "WHERE user_id = @userId")} ORDER BY created_at", new { userId },
            cancellationToken).ConfigureAwait(false)).Select(r => r.ToToken()).ToList();

    public Task RevokeTokenAsync(Guid tokenId, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.ExecuteAsync("UPDATE api_tokens SET revoked_at = @at WHERE id = @tokenId AND revoked_at IS NULL", new { tokenId, at }, cancellationToken);

    public Task TouchTokenAsync(Guid tokenId, DateTimeOffset at, CancellationToken cancellationToken) =>
        db.ExecuteAsync("UPDATE api_tokens SET last_used_at = @at WHERE id = @tokenId", new { tokenId, at }, cancellationToken);

    private sealed class UserRow
    {
        public Guid Id { get; set; }

        public string Name { get; set; } = "";

        public string PasswordHash { get; set; } = "";

        public int Role { get; set; }

        public bool Disabled { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public User ToUser() => new() { Id = Id, Name = Name, PasswordHash = PasswordHash, Role = (UserRole)Role, Disabled = Disabled, CreatedAt = CreatedAt };
    }

    private sealed class TokenRow
    {
        public Guid Id { get; set; }

        public Guid UserId { get; set; }

        public string Name { get; set; } = "";

        public string TokenHash { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset? ExpiresAt { get; set; }

        public DateTimeOffset? RevokedAt { get; set; }

        public DateTimeOffset? LastUsedAt { get; set; }

        public ApiToken ToToken() => new()
        {
            Id = Id, UserId = UserId, Name = Name, TokenHash = TokenHash, CreatedAt = CreatedAt, ExpiresAt = ExpiresAt, RevokedAt = RevokedAt, LastUsedAt = LastUsedAt,
        };
    }
}
