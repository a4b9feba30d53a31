using Dapper;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

internal sealed class ZoneStore(StoreDatabase db) : IZoneRepository
{
    private const string Columns = "id, name, description, created_at";

    public async Task<IReadOnlyList<Zone>> ListAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM zones ORDER BY name", null, cancellationToken).ConfigureAwait(false))
        .Select(r => r.ToZone()).ToList();

    public async Task<Zone?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM zones WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false))?.ToZone();

    public async Task<Zone?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM zones WHERE name = @name", new { name }, cancellationToken).ConfigureAwait(false))?.ToZone();

    public async Task AddAsync(Zone zone, CancellationToken cancellationToken)
    {
        try
        {
            await db.ExecuteAsync("INSERT INTO zones (id, name, description, created_at) VALUES (@Id, @Name, @Description, @CreatedAt)", zone, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A zone named '{zone.Name}' already exists.", e);
        }
    }

    public async Task UpdateAsync(Zone zone, CancellationToken cancellationToken)
    {
        try
        {
            var n = await db.ExecuteAsync("UPDATE zones SET name = @Name, description = @Description WHERE id = @Id", zone, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new KeyNotFoundException($"Zone {zone.Id} does not exist.");
            }
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"A zone named '{zone.Name}' already exists.", e);
        }
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var bpods = await c.ExecuteScalarAsync<long>(db.Command("SELECT COUNT(*) FROM bpods WHERE zone_id = @id", new { id }, tx, cancellationToken))
                .ConfigureAwait(false);
            if (bpods > 0)
            {
                throw new InvalidOperationException($"The zone still has {bpods} BPOD(s); delete or move them first.");
            }

            await c.ExecuteAsync(db.Command("DELETE FROM zones WHERE id = @id", new { id }, tx, cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    private sealed class Row
    {
        public Guid Id { get; set; }

        public string Name { get; set; } = "";

        public string? Description { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public Zone ToZone() => new() { Id = Id, Name = Name, Description = Description, CreatedAt = CreatedAt };
    }
}
