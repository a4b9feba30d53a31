using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Provisioner.Storage.Sql;

/// <summary>
/// SQLite in WAL mode. SQLite allows one writer at a time: writers in this process queue on an async gate instead of
/// spinning on SQLITE_BUSY (which costs latency); other processes are handled by the busy timeout.
/// </summary>
internal sealed class SqliteDatabase : StoreDatabase
{
    private readonly string _connectionString;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly int _timeoutSeconds;

    public SqliteDatabase(string connectionString, TimeSpan commandTimeout)
    {
        _timeoutSeconds = (int)Math.Ceiling(commandTimeout.TotalSeconds);
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
            DefaultTimeout = _timeoutSeconds,
            ForeignKeys = true,
        };
        _connectionString = builder.ToString();
        FilePath = builder.DataSource;
    }

    public string FilePath { get; }

    public override SqlDialect Dialect => SqlDialect.Sqlite;

    public override int CommandTimeoutSeconds => _timeoutSeconds;

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // Per connection: WAL makes NORMAL durable against process crashes (a power loss may lose the last commits).
            await connection.ExecuteAsync($"PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={_timeoutSeconds * 1000};").ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    protected override async ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_writeGate);
    }

    public override bool IsUniqueViolation(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 };

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearPool(new SqliteConnection(_connectionString));
        _writeGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        public void Dispose() => gate.Release();
    }
}
