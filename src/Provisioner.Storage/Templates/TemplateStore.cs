using Dapper;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Templates;

/// <summary>Immutable template versions; exactly one active per name (a partial unique index enforces it).</summary>
internal sealed class TemplateStore(StoreDatabase db, TimeProvider time) : ITemplateRepository
{
    private const string Columns = "name, version, kind, content, author, created_at, comment, is_active";

    public async Task<IReadOnlyList<TemplateVersion>> ListActiveAsync(CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM template_versions WHERE is_active ORDER BY name", null, cancellationToken).ConfigureAwait(false))
        .Select(r => r.ToVersion()).ToList();

    public async Task<TemplateVersion?> GetActiveAsync(string name, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM template_versions WHERE name = @name AND is_active", new { name }, cancellationToken)
            .ConfigureAwait(false))?.ToVersion();

    public async Task<TemplateVersion?> GetVersionAsync(string name, int version, CancellationToken cancellationToken) =>
        (await db.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM template_versions WHERE name = @name AND version = @version", new { name, version },
            cancellationToken).ConfigureAwait(false))?.ToVersion();

    public async Task<IReadOnlyList<TemplateVersion>> ListVersionsAsync(string name, CancellationToken cancellationToken) =>
        (await db.QueryAsync<Row>($"SELECT {Columns} FROM template_versions WHERE name = @name ORDER BY version", new { name }, cancellationToken)
            .ConfigureAwait(false)).Select(r => r.ToVersion()).ToList();

    public async Task<TemplateVersion> AddVersionAsync(string name, string kind, string content, string author, string? comment, bool activate,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // Two concurrent writers (PostgreSQL) may pick the same number: the primary key refuses one, which then retries.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await db.WriteAsync(async (c, tx) =>
                {
                    var next = (await c.ExecuteScalarAsync<int?>(db.Command("SELECT MAX(version) FROM template_versions WHERE name = @name", new { name }, tx,
                        cancellationToken)).ConfigureAwait(false) ?? 0) + 1;
                    var hasActive = await c.ExecuteScalarAsync<long>(db.Command("SELECT COUNT(*) FROM template_versions WHERE name = @name AND is_active",
                        new { name }, tx, cancellationToken)).ConfigureAwait(false) > 0;
                    // The first version of a template is active: a name always resolves to something.
                    var active = activate || !hasActive;
                    if (active)
                    {
                        await c.ExecuteAsync(db.Command("UPDATE template_versions SET is_active = @f WHERE name = @name AND is_active", new { name, f = false }, tx,
                            cancellationToken)).ConfigureAwait(false);
                    }

                    var v = new TemplateVersion
                    {
                        Name = name, Version = next, Kind = kind, Content = content, Author = author, CreatedAt = time.GetUtcNow(), Comment = comment, IsActive = active,
                    };
                    await c.ExecuteAsync(db.Command(
                        $"INSERT INTO template_versions ({Columns}) VALUES (@Name, @Version, @Kind, @Content, @Author, @CreatedAt, @Comment, @IsActive)", v, tx,
                        cancellationToken)).ConfigureAwait(false);
                    return v;
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (db.IsUniqueViolation(e) && attempt < 5)
            {
            }
        }
    }

    public Task ActivateAsync(string name, int version, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var exists = await c.ExecuteScalarAsync<long>(db.Command("SELECT COUNT(*) FROM template_versions WHERE name = @name AND version = @version",
                new { name, version }, tx, cancellationToken)).ConfigureAwait(false);
            if (exists == 0)
            {
                throw new KeyNotFoundException($"Template '{name}' has no version {version}.");
            }

            await c.ExecuteAsync(db.Command("UPDATE template_versions SET is_active = @f WHERE name = @name AND is_active", new { name, f = false }, tx,
                cancellationToken)).ConfigureAwait(false);
            await c.ExecuteAsync(db.Command("UPDATE template_versions SET is_active = @t WHERE name = @name AND version = @version", new { name, version, t = true }, tx,
                cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    private sealed class Row
    {
        public string Name { get; set; } = "";

        public int Version { get; set; }

        public string Kind { get; set; } = "";

        public string Content { get; set; } = "";

        public string Author { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        public string? Comment { get; set; }

        public bool IsActive { get; set; }

        public TemplateVersion ToVersion() => new()
        {
            Name = Name, Version = Version, Kind = Kind, Content = Content, Author = Author, CreatedAt = CreatedAt, Comment = Comment, IsActive = IsActive,
        };
    }
}
