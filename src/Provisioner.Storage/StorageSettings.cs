namespace Provisioner.Storage;

/// <summary>Which database engine holds the appliance's state.</summary>
public enum StorageProvider
{
    /// <summary>One file in the data directory (WAL mode); the default for a single appliance.</summary>
    Sqlite = 1,

    /// <summary>A shared PostgreSQL server: several appliances share inventory and claim jobs with leases.</summary>
    Postgres = 2,
}

/// <summary>Where the store lives. For SQLite give <see cref="DataDirectory"/> (or a full connection string);
/// for PostgreSQL a connection string.</summary>
public sealed record StorageSettings
{
    public StorageProvider Provider { get; init; } = StorageProvider.Sqlite;

    /// <summary>Full ADO.NET connection string; overrides <see cref="DataDirectory"/> for SQLite.</summary>
    public string? ConnectionString { get; init; }

    /// <summary>SQLite: the directory holding <see cref="SqliteFileName"/>. Created if missing.</summary>
    public string? DataDirectory { get; init; }

    public string SqliteFileName { get; init; } = "provisioner.db";

    /// <summary>How long a statement may wait for a lock (SQLite busy timeout, PostgreSQL command timeout).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
