namespace Provisioner.Storage.Sql;

/// <summary>The few places SQL differs between providers (claiming with SKIP LOCKED, identity columns in migrations).</summary>
internal enum SqlDialect
{
    Sqlite = 1,
    Postgres = 2,
}
