namespace Provisioner.Storage.Tests;

/// <summary>The storage contract on SQLite: a fresh database file per test in a temporary directory.</summary>
[Trait("Area", "Storage")]
public sealed class SqliteStoreTests : StoreContractTests, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("provisioner-sqlite-").FullName;

    protected override Task<ProvisionerStore> OpenFreshStoreAsync() => Task.FromResult(OpenSameDatabase());

    protected override ProvisionerStore OpenSameDatabase() =>
        ProvisionerStore.Open(new StorageSettings { Provider = StorageProvider.Sqlite, DataDirectory = _dir }, new FakeSecretProtector(), Time);

    [Fact]
    public async Task Open_DataDirectory_CreatesOneWalDatabaseFile()
    {
        Assert.True(File.Exists(Path.Combine(_dir, "provisioner.db")));
        var mode = await Store.Database.QuerySingleOrDefaultAsync<string>("PRAGMA journal_mode", null, CancellationToken.None);
        Assert.Equal("wal", mode);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a pooled handle may linger a moment; the OS temp cleaner gets it
        }
    }
}
