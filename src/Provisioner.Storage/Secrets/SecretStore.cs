using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Secrets;

/// <summary>Named secrets, written only in their protected form.</summary>
internal sealed class SecretStore(StoreDatabase db, ISecretProtector protector, TimeProvider time) : ISecretRepository
{
    public async Task<string?> GetAsync(string name, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<string>("SELECT value FROM secrets WHERE name = @name", new { name }, cancellationToken).ConfigureAwait(false) is { } v
            ? protector.Unprotect(v)
            : null;

    public Task SetAsync(string name, string value, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return db.ExecuteAsync(
            "INSERT INTO secrets (name, value, updated_at) VALUES (@name, @value, @at) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            new { name, value = protector.Protect(value), at = time.GetUtcNow() }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<string>("SELECT name FROM secrets ORDER BY name", null, cancellationToken).ConfigureAwait(false)).ToList();

    public Task DeleteAsync(string name, CancellationToken cancellationToken) => db.ExecuteAsync("DELETE FROM secrets WHERE name = @name", new { name }, cancellationToken);
}
