using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

/// <summary>Small named objects kept as one JSON document per row (profiles, clusters), unique by name.</summary>
internal abstract class NamedDocumentStore<T>(StoreDatabase db, string table, string what)
    where T : class
{
    protected abstract Guid IdOf(T item);

    protected abstract string NameOf(T item);

    public async Task<IReadOnlyList<T>> ListAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<string>($"SELECT data FROM {table} ORDER BY name", null, cancellationToken).ConfigureAwait(false))
        .Select(StoreJson.Deserialize<T>).ToList();

    public async Task<T?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<string>($"SELECT data FROM {table} WHERE name = @name", new { name }, cancellationToken).ConfigureAwait(false) is { } json
            ? StoreJson.Deserialize<T>(json)
            : null;

    /// <summary>Inserts, or replaces the row with the same id; a different object with the same name is a duplicate.</summary>
    public async Task UpsertAsync(T item, CancellationToken cancellationToken)
    {
        try
        {
            await db.ExecuteAsync(
                $"INSERT INTO {table} (id, name, data) VALUES (@id, @name, @data) ON CONFLICT (id) DO UPDATE SET name = excluded.name, data = excluded.data",
                new { id = IdOf(item), name = NameOf(item), data = StoreJson.Serialize(item) }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A {what} named '{NameOf(item)}' already exists.", e);
        }
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) => db.ExecuteAsync($"DELETE FROM {table} WHERE id = @id", new { id }, cancellationToken);
}
