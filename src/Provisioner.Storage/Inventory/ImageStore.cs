using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Inventory;

internal sealed class ImageStore(StoreDatabase db) : IImageRepository
{
    private const string Columns = "id, name, format, size_bytes, sha256, location, description, created_at";

    public async Task<IReadOnlyList<Image>> ListAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM images ORDER BY name", null, cancellationToken).ConfigureAwait(false)).Select(r => r.ToImage()).ToList();

    public async Task<Image?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM images WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false))?.ToImage();

    public async Task<Image?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM images WHERE name = @name", new { name }, cancellationToken).ConfigureAwait(false))?.ToImage();

    public async Task AddAsync(Image image, CancellationToken cancellationToken)
    {
        try
        {
            await db.ExecuteAsync(
                $"INSERT INTO images ({Columns}) VALUES (@Id, @Name, @format, @SizeBytes, @Sha256, @Location, @Description, @CreatedAt)",
                new { image.Id, image.Name, format = (int)image.Format, image.SizeBytes, image.Sha256, image.Location, image.Description, image.CreatedAt },
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new DuplicateException($"An image named '{image.Name}' already exists.", e);
        }
    }

    public async Task UpdateAsync(Image image, CancellationToken cancellationToken)
    {
        var changed = await db.ExecuteAsync(
            "UPDATE images SET format = @format, size_bytes = @SizeBytes, sha256 = @Sha256, location = @Location, description = @Description WHERE id = @Id",
            new { image.Id, format = (int)image.Format, image.SizeBytes, image.Sha256, image.Location, image.Description },
            cancellationToken).ConfigureAwait(false);
        if (changed == 0)
        {
            throw new KeyNotFoundException($"No image {image.Id} ({image.Name}): it was deleted.");
        }
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken) => db.ExecuteAsync("DELETE FROM images WHERE id = @id", new { id }, cancellationToken);

    private sealed class Row
    {
        public Guid Id { get; set; }

        public string Name { get; set; } = "";

        public int Format { get; set; }

        public long SizeBytes { get; set; }

        public string Sha256 { get; set; } = "";

        public string Location { get; set; } = "";

        public string? Description { get; set; }

        public DateTimeOffset CreatedAt { get; set; }

        public Image ToImage() => new()
        {
            Id = Id, Name = Name, Format = (ImageFormat)Format, SizeBytes = SizeBytes, Sha256 = Sha256, Location = Location,
            Description = Description, CreatedAt = CreatedAt,
        };
    }
}
