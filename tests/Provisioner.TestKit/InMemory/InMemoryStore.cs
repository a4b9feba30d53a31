using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.TestKit.InMemory;

/// <summary>
/// The shared state behind the in-memory repositories: one lock, plain collections. Repositories that must check each
/// other (a zone with BPODs cannot be deleted) see the same store, as the SQL stores see the same database.
/// </summary>
public sealed class InMemoryStore
{
    public InMemoryStore(TimeProvider? timeProvider = null)
    {
        Time = timeProvider ?? TimeProvider.System;
        Zones = new InMemoryZoneRepository(this);
        Bpods = new InMemoryBpodRepository(this);
        Nodes = new InMemoryNodeRepository(this);
        Images = new InMemoryImageRepository(this);
        Profiles = new InMemoryProfileRepository(this);
        Clusters = new InMemoryClusterRepository(this);
        Audit = new InMemoryAuditLog(this);
        Secrets = new InMemorySecretRepository(this);
        Leases = new InMemoryLeaseRepository(this);
        Templates = new InMemoryTemplateRepository(this);
        Users = new InMemoryUserRepository(this);
        BootEvents = new InMemoryBootEventRepository(this);
        OperatorRequests = new InMemoryOperatorRequestRepository(this);
    }

    /// <summary>Held by every repository for every read and write.</summary>
    internal object Gate { get; } = new();

    public TimeProvider Time { get; }

    internal Dictionary<Guid, Zone> ZoneRows { get; } = [];

    internal Dictionary<Guid, Bpod> BpodRows { get; } = [];

    internal Dictionary<Guid, Node> NodeRows { get; } = [];

    internal List<NodeHistoryEntry> HistoryRows { get; } = [];

    internal Dictionary<Guid, Image> ImageRows { get; } = [];

    internal Dictionary<Guid, TemplateProfile> ProfileRows { get; } = [];

    internal Dictionary<Guid, Cluster> ClusterRows { get; } = [];

    internal List<AuditEvent> AuditRows { get; } = [];

    internal Dictionary<string, string> SecretRows { get; } = new(StringComparer.Ordinal);

    internal Dictionary<string, LeaseRecord> LeaseRows { get; } = new(StringComparer.Ordinal);

    internal List<TemplateVersion> TemplateRows { get; } = [];

    internal Dictionary<Guid, User> UserRows { get; } = [];

    internal Dictionary<Guid, ApiToken> TokenRows { get; } = [];

    internal List<BootEvent> BootEventRows { get; } = [];

    internal List<OperatorRequestRecord> OperatorRequestRows { get; } = [];

    internal long NextId;

    public InMemoryZoneRepository Zones { get; }

    public InMemoryBpodRepository Bpods { get; }

    public InMemoryNodeRepository Nodes { get; }

    public InMemoryImageRepository Images { get; }

    public InMemoryProfileRepository Profiles { get; }

    public InMemoryClusterRepository Clusters { get; }

    public InMemoryAuditLog Audit { get; }

    public InMemorySecretRepository Secrets { get; }

    public InMemoryLeaseRepository Leases { get; }

    public InMemoryTemplateRepository Templates { get; }

    public InMemoryUserRepository Users { get; }

    public InMemoryBootEventRepository BootEvents { get; }

    public InMemoryOperatorRequestRepository OperatorRequests { get; }

    internal T Locked<T>(Func<T> read)
    {
        lock (Gate)
        {
            return read();
        }
    }

    internal void Locked(Action write)
    {
        lock (Gate)
        {
            write();
        }
    }

    internal static Page<T> Paged<T>(IEnumerable<T> rows, PageRequest page)
    {
        var all = rows.ToList();
        return new Page<T>(all.Skip(page.SafeOffset).Take(page.SafeLimit).ToArray(), all.Count, page.SafeOffset, page.SafeLimit);
    }
}
