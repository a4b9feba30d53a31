using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Core.Boot;
using Provisioner.Core.Persistence;
using Provisioner.Jobs.Engine;
using Provisioner.Storage.Appliances;
using Provisioner.Storage.Audit;
using Provisioner.Storage.Boot;
using Provisioner.Storage.Identity;
using Provisioner.Storage.Inventory;
using Provisioner.Storage.Jobs;
using Provisioner.Storage.Leases;
using Provisioner.Storage.Migrations;
using Provisioner.Storage.Power;
using Provisioner.Storage.Secrets;
using Provisioner.Storage.Sql;
using Provisioner.Storage.Templates;

namespace Provisioner.Storage;

/// <summary>
/// The appliance's memory: every repository and the job store over one database (SQLite or PostgreSQL).
/// Open it, call <see cref="MigrateAsync"/> once at start-up, then hand the repositories out.
/// </summary>
public sealed class ProvisionerStore : IAsyncDisposable
{
    private readonly StoreDatabase _db;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    private ProvisionerStore(StoreDatabase db, ISecretProtector protector, TimeProvider time, ILogger logger)
    {
        _db = db;
        _time = time;
        _logger = logger;
        Zones = new ZoneStore(db);
        Bpods = new BpodStore(db);
        Nodes = new NodeStore(db, protector, time);
        Images = new ImageStore(db);
        Profiles = new ProfileStore(db);
        Clusters = new ClusterStore(db);
        Audit = new AuditStore(db);
        Secrets = new SecretStore(db, protector, time);
        Leases = new LeaseStore(db);
        Templates = new TemplateStore(db, time);
        Users = new UserStore(db);
        BootEvents = new BootEventStore(db);
        Jobs = new SqlJobStore(db);
        Appliances = new ApplianceStore(db);
        OperatorRequests = new OperatorRequestStore(db);
    }

    public StorageProvider Provider => _db.Dialect == SqlDialect.Sqlite ? StorageProvider.Sqlite : StorageProvider.Postgres;

    public IZoneRepository Zones { get; }

    public IBpodRepository Bpods { get; }

    public INodeRepository Nodes { get; }

    public IImageRepository Images { get; }

    public IProfileRepository Profiles { get; }

    public IClusterRepository Clusters { get; }

    public IAuditLog Audit { get; }

    public ISecretRepository Secrets { get; }

    public ILeaseRepository Leases { get; }

    public ITemplateRepository Templates { get; }

    public IUserRepository Users { get; }

    public IBootEventRepository BootEvents { get; }

    public IJobStore Jobs { get; }

    public IApplianceRegistry Appliances { get; }

    public IOperatorRequestRepository OperatorRequests { get; }

    /// <summary>The newest schema version this code knows for the provider.</summary>
    public int KnownSchemaVersion => SchemaMigrator.Load(_db.Dialect).Count;

    /// <summary>Opens (does not yet touch) the store described by <paramref name="settings"/>.</summary>
    public static ProvisionerStore Open(StorageSettings settings, ISecretProtector protector, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(protector);
        StoreDatabase db = settings.Provider switch
        {
            StorageProvider.Sqlite => new SqliteDatabase(SqliteConnectionString(settings), settings.CommandTimeout),
            StorageProvider.Postgres => new PostgresDatabase(
                settings.ConnectionString ?? throw new ArgumentException("PostgreSQL storage needs a connection string.", nameof(settings)),
                settings.CommandTimeout),
            _ => throw new ArgumentException($"Unknown storage provider {settings.Provider}.", nameof(settings)),
        };
        return new ProvisionerStore(db, protector, time ?? TimeProvider.System, logger ?? NullLogger.Instance);
    }

    /// <summary>Applies pending schema migrations; <see cref="SchemaTooNewException"/> when the database is newer than this code.
    /// Returns the schema version.</summary>
    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) =>
        new SchemaMigrator(_db, _logger).MigrateAsync(SchemaMigrator.Load(_db.Dialect), _time, cancellationToken);

    /// <summary>The schema version recorded in the database (0 for an empty database).</summary>
    public Task<int> SchemaVersionAsync(CancellationToken cancellationToken = default) => new SchemaMigrator(_db, _logger).CurrentVersionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    /// <summary>Raw access for tests (e.g. proving secrets are stored encrypted).</summary>
    internal StoreDatabase Database => _db;

    private static string SqliteConnectionString(StorageSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            return settings.ConnectionString;
        }

        var dir = settings.DataDirectory ?? throw new ArgumentException("SQLite storage needs a data directory or a connection string.", nameof(settings));
        Directory.CreateDirectory(dir);
        return $"Data Source={Path.Combine(dir, settings.SqliteFileName)}";
    }
}
