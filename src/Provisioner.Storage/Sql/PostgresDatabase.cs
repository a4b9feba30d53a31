using System.Data.Common;
using Npgsql;

namespace Provisioner.Storage.Sql;

/// <summary>PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>; writers run concurrently under MVCC.</summary>
internal sealed class PostgresDatabase : StoreDatabase
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly int _timeoutSeconds;

    public PostgresDatabase(string connectionString, TimeSpan commandTimeout)
    {
        _timeoutSeconds = (int)Math.Ceiling(commandTimeout.TotalSeconds);
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = _timeoutSeconds };
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public override SqlDialect Dialect => SqlDialect.Postgres;

    public override int CommandTimeoutSeconds => _timeoutSeconds;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    public override bool IsUniqueViolation(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
