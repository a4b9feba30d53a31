using Provisioner.TestKit.Postgres;

namespace Provisioner.Storage.Tests;

[CollectionDefinition("postgresql")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;

/// <summary>The storage contract on a real PostgreSQL server started for the test run: a fresh database per test.</summary>
[Collection("postgresql")]
[Trait("Area", "Storage")]
[Trait("Peer", "postgresql")]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreContractTests
{
    private string? _connectionString;

    protected override async Task<ProvisionerStore> OpenFreshStoreAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync("store");
        return OpenSameDatabase();
    }

    protected override ProvisionerStore OpenSameDatabase() =>
        ProvisionerStore.Open(new StorageSettings { Provider = StorageProvider.Postgres, ConnectionString = _connectionString }, new FakeSecretProtector(), Time);
}
