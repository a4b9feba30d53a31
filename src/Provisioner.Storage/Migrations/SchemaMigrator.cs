using System.Globalization;
using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging;
using Provisioner.Core.Persistence;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Migrations;

/// <summary>One schema step: its number, a short description and the SQL of one provider.</summary>
internal sealed record Migration(int Version, string Description, string Sql);

/// <summary>
/// Applies the embedded, ordered migrations of a provider. Each migration runs in its own transaction together with
/// its schema_version row, so a crash leaves the schema at a known version. A database newer than the code refuses
/// to open (<see cref="SchemaTooNewException"/>) instead of being written by code that does not understand it.
/// </summary>
internal sealed partial class SchemaMigrator(StoreDatabase database, ILogger logger)
{
    /// <summary>Arbitrary constant serializing concurrent appliances migrating one PostgreSQL database.</summary>
    private const long PostgresMigrationLockKey = 0x50_52_4F_56_49_53_49;

    public static IReadOnlyList<Migration> Load(SqlDialect dialect)
    {
        var prefix = $"Migrations.{(dialect == SqlDialect.Sqlite ? "Sqlite" : "Postgres")}/";
        var assembly = typeof(SchemaMigrator).Assembly;
        var list = new List<Migration>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            // "0001_initial.sql" -> version 1, "initial"
            var file = name[prefix.Length..];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(version, Path.GetFileNameWithoutExtension(file)[(underscore + 1)..], reader.ReadToEnd()));
        }

        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations of {dialect} are not numbered 1..n (found {list[i].Version} at position {i + 1}).");
            }
        }

        return list;
    }

    /// <summary>Brings the schema to the newest version this code knows; returns the version reached.</summary>
    public async Task<int> MigrateAsync(IReadOnlyList<Migration> migrations, TimeProvider time, CancellationToken cancellationToken)
    {
        var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
        if (database.Dialect == SqlDialect.Sqlite)
        {
            // WAL is a property of the file: set once, before any transaction.
            await database.ReadAsync(c => c.ExecuteAsync("PRAGMA journal_mode=WAL;"), cancellationToken).ConfigureAwait(false);
        }

        return await database.WriteAsync(async (c, tx) =>
        {
            if (database.Dialect == SqlDialect.Postgres)
            {
                await c.ExecuteAsync(database.Command("SELECT pg_advisory_xact_lock(@key)", new { key = PostgresMigrationLockKey }, tx, cancellationToken))
                    .ConfigureAwait(false);
            }

            var instantType = database.Dialect == SqlDialect.Sqlite ? "TEXT" : "timestamptz";
            await c.ExecuteAsync(database.Command(
                $"CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, description TEXT NOT NULL, applied_at {instantType} NOT NULL)",
                null, tx, cancellationToken)).ConfigureAwait(false);
            var current = await c.ExecuteScalarAsync<int?>(database.Command("SELECT MAX(version) FROM schema_version", null, tx, cancellationToken))
                .ConfigureAwait(false) ?? 0;
            if (current > known)
            {
                throw new SchemaTooNewException(
                    $"The database schema is version {current} but this Provisioner knows versions up to {known}: it was written by a newer " +
                    "Provisioner. Run that version (or restore a backup made before the upgrade); refusing to start rather than damage it.");
            }

            foreach (var m in migrations.Where(m => m.Version > current))
            {
                Log.Applying(logger, m.Version, m.Description);
                await c.ExecuteAsync(database.Command(m.Sql, null, tx, cancellationToken)).ConfigureAwait(false);
                await c.ExecuteAsync(database.Command(
                    "INSERT INTO schema_version (version, description, applied_at) VALUES (@Version, @Description, @at)",
                    new { m.Version, m.Description, at = time.GetUtcNow() }, tx, cancellationToken)).ConfigureAwait(false);
            }

            return Math.Max(current, known);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The version recorded in the database (0 when none).</summary>
    public Task<int> CurrentVersionAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(async c =>
        {
            try
            {
                return await c.ExecuteScalarAsync<int?>(database.Command("SELECT MAX(version) FROM schema_version", null, null, cancellationToken))
                    .ConfigureAwait(false) ?? 0;
            }
            catch (System.Data.Common.DbException)
            {
                return 0;
            }
        }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Applying schema migration {Version} ({Description})")]
        public static partial void Applying(ILogger logger, int version, string description);
    }
}
