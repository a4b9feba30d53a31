using System.Net;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;

namespace Provisioner.Core.Persistence;

public interface IZoneRepository
{
    Task<IReadOnlyList<Zone>> ListAsync(CancellationToken cancellationToken);

    Task<Zone?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Zone?> FindByNameAsync(string name, CancellationToken cancellationToken);

    /// <summary>Adds a zone; <see cref="DuplicateException"/> if the name is taken.</summary>
    Task AddAsync(Zone zone, CancellationToken cancellationToken);

    Task UpdateAsync(Zone zone, CancellationToken cancellationToken);

    /// <summary>Deletes a zone; refused (InvalidOperationException) while it still has BPODs.</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);
}

public interface IBpodRepository
{
    Task<IReadOnlyList<Bpod>> ListAsync(Guid? zoneId, CancellationToken cancellationToken);

    Task<Bpod?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Bpod?> FindByNameAsync(Guid zoneId, string name, CancellationToken cancellationToken);

    Task AddAsync(Bpod bpod, CancellationToken cancellationToken);

    Task UpdateAsync(Bpod bpod, CancellationToken cancellationToken);

    /// <summary>Deletes a BPOD; refused (InvalidOperationException) while it still has nodes.</summary>
    Task DeleteAsync(Guid id, CancellationToken cancellationToken);
}

/// <summary>Filters for listing nodes. All are optional and combine with AND.</summary>
public sealed record NodeQuery
{
    public Guid? ZoneId { get; init; }

    public Guid? BpodId { get; init; }

    public NodeState? State { get; init; }

    public string? Tag { get; init; }

    /// <summary>Matches hostname, MAC, assigned IP, or serial number in the facts (substring, case-insensitive).</summary>
    public string? Search { get; init; }

    public PageRequest Page { get; init; } = new();
}

/// <summary>One recorded change of a node: a lifecycle transition, a power change, an edit.</summary>
public sealed record NodeHistoryEntry
{
    public long Id { get; init; }

    public required Guid NodeId { get; init; }

    public required DateTimeOffset At { get; init; }

    public required string Actor { get; init; }

    /// <summary>"transition", "power", "edit", "enlist"...</summary>
    public required string Kind { get; init; }

    public NodeState? FromState { get; init; }

    public NodeState? ToState { get; init; }

    public string? Message { get; init; }
}

public interface INodeRepository
{
    Task<Node?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Node?> FindByMacAsync(MacAddress mac, CancellationToken cancellationToken);

    Task<Node?> FindByHostnameAsync(string hostname, CancellationToken cancellationToken);

    Task<Page<Node>> ListAsync(NodeQuery query, CancellationToken cancellationToken);

    /// <summary>Adds a node (Version 1). <see cref="DuplicateException"/> when one of its MACs or its hostname is already known.</summary>
    Task<Node> AddAsync(Node node, CancellationToken cancellationToken);

    /// <summary>
    /// Saves <paramref name="node"/> if the stored version still equals <c>node.Version</c>; returns the node with the new version.
    /// Otherwise throws <see cref="ConcurrencyException"/>: two writers never silently overwrite each other.
    /// </summary>
    Task<Node> UpdateAsync(Node node, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);

    Task AppendHistoryAsync(NodeHistoryEntry entry, CancellationToken cancellationToken);

    Task<IReadOnlyList<NodeHistoryEntry>> GetHistoryAsync(Guid nodeId, int limit, CancellationToken cancellationToken);

    /// <summary>The highest slot number used in a BPOD (for naming enlisted nodes), or 0.</summary>
    Task<int> MaxSlotAsync(Guid bpodId, CancellationToken cancellationToken);
}

public interface IImageRepository
{
    Task<IReadOnlyList<Image>> ListAsync(CancellationToken cancellationToken);

    Task<Image?> GetAsync(Guid id, CancellationToken cancellationToken);

    Task<Image?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task AddAsync(Image image, CancellationToken cancellationToken);

    /// <summary>Replaces format, size, sha256, location and description of the image with <paramref name="image"/>'s id
    /// (an import to another format); throws <see cref="KeyNotFoundException"/> when it is gone.</summary>
    Task UpdateAsync(Image image, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);
}

public interface IProfileRepository
{
    Task<IReadOnlyList<TemplateProfile>> ListAsync(CancellationToken cancellationToken);

    Task<TemplateProfile?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task UpsertAsync(TemplateProfile profile, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);
}

public interface IClusterRepository
{
    Task<IReadOnlyList<Cluster>> ListAsync(CancellationToken cancellationToken);

    Task<Cluster?> FindByNameAsync(string name, CancellationToken cancellationToken);

    Task UpsertAsync(Cluster cluster, CancellationToken cancellationToken);

    Task DeleteAsync(Guid id, CancellationToken cancellationToken);
}

public interface IAuditLog
{
    Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

    Task<Page<AuditEvent>> ListAsync(string? objectType, string? objectId, PageRequest page, CancellationToken cancellationToken);
}

/// <summary>Named secrets (Chef validator key, kubeadm tokens, SNMP communities), stored encrypted.</summary>
public interface ISecretRepository
{
    Task<string?> GetAsync(string name, CancellationToken cancellationToken);

    Task SetAsync(string name, string value, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken);

    Task DeleteAsync(string name, CancellationToken cancellationToken);
}

/// <summary>Encrypts secrets before they reach the database (the appliance implements it with ASP.NET Core Data Protection).</summary>
public interface ISecretProtector
{
    string Protect(string plaintext);

    string Unprotect(string protectedText);
}

/// <summary>DHCP leases as persisted by the store, so they survive restarts and can be shown per node.</summary>
public sealed record LeaseRecord
{
    public required IPAddress Address { get; init; }

    public required MacAddress Mac { get; init; }

    /// <summary>Client identifier (option 61) as hex, when the client sent one.</summary>
    public string? ClientId { get; init; }

    public string? Hostname { get; init; }

    public Guid? BpodId { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>"active", "released", "declined", "expired".</summary>
    public required string State { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

public interface ILeaseRepository
{
    Task<IReadOnlyList<LeaseRecord>> LoadAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces leases by address, in one transaction (group commit).</summary>
    Task UpsertBatchAsync(IReadOnlyList<LeaseRecord> leases, CancellationToken cancellationToken);

    Task<IReadOnlyList<LeaseRecord>> FindByMacAsync(MacAddress mac, CancellationToken cancellationToken);
}

