using Dapper;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

/// <summary>BPODs: keys in columns, the network settings as one JSON document (they are always read whole).</summary>
internal sealed class BpodStore(StoreDatabase db) : IBpodRepository
{
    public async Task<IReadOnlyList<Bpod>> ListAsync(Guid? zoneId, CancellationToken cancellationToken) =>
        (await db.QueryAsync<string>(zoneId is null ? "SELECT data FROM bpods ORDER BY name" : "SELECT data FROM bpods WHERE zone_id = @zoneId ORDER BY name",
            new { zoneId }, cancellationToken)
            .ConfigureAwait(false)).Select(StoreJson.Deserialize<Bpod>).ToList();

    public async Task<Bpod?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<string>("SELECT data FROM bpods WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false) is { } json
            ? StoreJson.Deserialize<Bpod>(json)
            : null;

    public async Task<Bpod?> FindByNameAsync(Guid zoneId, string name, CancellationToken cancellationToken) =>
        await db.QuerySingleOrDefaultAsync<string>("SELECT data FROM bpods WHERE zone_id = @zoneId AND name = @name", new { zoneId, name }, cancellationToken)
            .ConfigureAwait(false) is { } json
            ? StoreJson.Deserialize<Bpod>(json)
            : null;

    public async Task AddAsync(Bpod bpod, CancellationToken cancellationToken)
    {
        try
        {
            await db.ExecuteAsync("INSERT INTO bpods (id, zone_id, name, data, created_at) VALUES (@Id, @ZoneId, @Name, @data, @CreatedAt)",
                new { bpod.Id, bpod.ZoneId, bpod.Name, data = StoreJson.Serialize(bpod), bpod.CreatedAt }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A BPOD named '{bpod.Name}' already exists in this zone.", e);
        }
    }

    public async Task UpdateAsync(Bpod bpod, CancellationToken cancellationToken)
    {
        try
        {
            var n = await db.ExecuteAsync("UPDATE bpods SET zone_id = @ZoneId, name = @Name, data = @data WHERE id = @Id",
                new { bpod.Id, bpod.ZoneId, bpod.Name, data = StoreJson.Serialize(bpod) }, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new KeyNotFoundException($"BPOD {bpod.Id} does not exist.");
            }
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A BPOD named '{bpod.Name}' already exists in this zone.", e);
        }
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var nodes = await c.ExecuteScalarAsync<long>(db.Command("SELECT COUNT(*) FROM nodes WHERE bpod_id = @id", new { id }, tx, cancellationToken))
                .ConfigureAwait(false);
            if (nodes > 0)
            {
                throw new InvalidOperationException($"The BPOD still has {nodes} node(s); delete or move them first.");
            }

            await c.ExecuteAsync(db.Command("DELETE FROM bpods WHERE id = @id", new { id }, tx, cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);
}
