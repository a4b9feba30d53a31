using System.Data.Common;
using Dapper;

namespace Provisioner.Storage.Sql;

/// <summary>
/// Connection and transaction handling shared by every repository. Reads open a pooled connection; writes run in a
/// transaction. Each provider decides how writers are serialized and how a unique violation is recognised.
/// </summary>
internal abstract class StoreDatabase : IAsyncDisposable
{
    static StoreDatabase() => StoreTypeHandlers.Register();

    public abstract SqlDialect Dialect { get; }

    public abstract int CommandTimeoutSeconds { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Begins a write transaction; SQLite takes the write lock up front (BEGIN IMMEDIATE) to avoid upgrade deadlocks.</summary>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Serializes writers where the engine allows only one (SQLite); a no-op for PostgreSQL.</summary>
    protected virtual ValueTask<IDisposable?> EnterWriteAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IDisposable?>(null);

    /// <summary>True when <paramref name="exception"/> is a unique/primary-key violation.</summary>
    public abstract bool IsUniqueViolation(Exception exception);

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }

    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        using var gate = await EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var result = await write(connection, tx).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    public Task WriteAsync(Func<DbConnection, DbTransaction, Task> write, CancellationToken cancellationToken) =>
        WriteAsync<bool>(async (c, t) =>
        {
            await write(c, t).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Runs one statement in its own transaction and returns the number of rows changed.</summary>
    public Task<int> ExecuteAsync(string sql, object? parameters, CancellationToken cancellationToken) =>
        WriteAsync((c, t) => c.ExecuteAsync(Command(sql, parameters, t, cancellationToken)), cancellationToken);

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? parameters, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QueryAsync<T>(Command(sql, parameters, null, cancellationToken)), cancellationToken);

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters, CancellationToken cancellationToken) =>
        ReadAsync(c => c.QuerySingleOrDefaultAsync<T>(Command(sql, parameters, null, cancellationToken)), cancellationToken);

    /// <summary>A list of GUIDs for "IN @ids" (Dapper expands lists without the GUID type handler): text for SQLite.</summary>
    public System.Collections.IEnumerable Ids(IEnumerable<Guid> ids) =>
        Dialect == SqlDialect.Sqlite ? ids.Select(i => i.ToString("D")).ToArray() : (System.Collections.IEnumerable)ids.ToArray();

    /// <summary>"column IN @list": Dapper expands the list for SQLite; Npgsql takes the array as one parameter (= ANY).</summary>
    public string In(string column, string parameter) =>
        Dialect == SqlDialect.Sqlite ? $"{column} IN @{parameter}" : $"{column} = ANY(@{parameter})";

    /// <summary>"column NOT IN @list" for either provider.</summary>
    public string NotIn(string column, string parameter) =>
        Dialect == SqlDialect.Sqlite ? $"{column} NOT IN @{parameter}" : $"{column} <> ALL(@{parameter})";

    public CommandDefinition Command(string sql, object? parameters, DbTransaction? transaction, CancellationToken cancellationToken) =>
        new(sql, parameters, transaction, CommandTimeoutSeconds, cancellationToken: cancellationToken);

    public abstract ValueTask DisposeAsync();
}
