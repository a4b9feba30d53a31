using Provisioner.Core.Persistence;

namespace Provisioner.TestKit.InMemory;

public sealed class InMemoryUserRepository(InMemoryStore store) : IUserRepository
{
    public Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<User>>(store.Locked(() => store.UserRows.Values.OrderBy(u => u.Name, StringComparer.Ordinal).ToArray()));

    public Task<User?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.UserRows.GetValueOrDefault(id)));

    public Task<User?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.UserRows.Values.FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase))));

    public Task AddAsync(User user, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.UserRows.Values.Any(u => string.Equals(u.Name, user.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DuplicateException($"A user named '{user.Name}' already exists.");
            }

            store.UserRows.Add(user.Id, user);
        });
        return Task.CompletedTask;
    }

    public Task UpdateAsync(User user, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (!store.UserRows.ContainsKey(user.Id))
            {
                throw new KeyNotFoundException($"User {user.Id} does not exist.");
            }

            store.UserRows[user.Id] = user;
        });
        return Task.CompletedTask;
    }

    public Task<int> CountAsync(CancellationToken cancellationToken) => Task.FromResult(store.Locked(() => store.UserRows.Count));

    public Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken)
    {
        store.Locked(() => store.TokenRows.Add(token.Id, token));
        return Task.CompletedTask;
    }

    public Task<ApiToken?> FindTokenByHashAsync(string tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.TokenRows.Values.FirstOrDefault(t => t.TokenHash == tokenHash)));

    public Task<IReadOnlyList<ApiToken>> ListTokensAsync(Guid? userId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ApiToken>>(store.Locked(() =>
            store.TokenRows.Values.Where(t => userId is null || t.UserId == userId).OrderBy(t => t.CreatedAt).ToArray()));

    public Task RevokeTokenAsync(Guid tokenId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.TokenRows.TryGetValue(tokenId, out var t) && t.RevokedAt is null)
            {
                store.TokenRows[tokenId] = t with { RevokedAt = at };
            }
        });
        return Task.CompletedTask;
    }

    public Task TouchTokenAsync(Guid tokenId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.TokenRows.TryGetValue(tokenId, out var t))
            {
                store.TokenRows[tokenId] = t with { LastUsedAt = at };
            }
        });
        return Task.CompletedTask;
    }
}
