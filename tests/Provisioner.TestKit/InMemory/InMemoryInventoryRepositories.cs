using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.TestKit.InMemory;

public sealed class InMemoryZoneRepository(InMemoryStore store) : IZoneRepository
{
    public Task<IReadOnlyList<Zone>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Zone>>(store.Locked(() => store.ZoneRows.Values.OrderBy(z => z.Name, StringComparer.Ordinal).ToArray()));

    public Task<Zone?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.ZoneRows.GetValueOrDefault(id)));

    public Task<Zone?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.ZoneRows.Values.FirstOrDefault(z => string.Equals(z.Name, name, StringComparison.OrdinalIgnoreCase))));

    public Task AddAsync(Zone zone, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.ZoneRows.Values.Any(z => string.Equals(z.Name, zone.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DuplicateException($"A zone named '{zone.Name}' already exists.");
            }

            store.ZoneRows.Add(zone.Id, zone);
        });
        return Task.CompletedTask;
    }

    public Task UpdateAsync(Zone zone, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (!store.ZoneRows.ContainsKey(zone.Id))
            {
                throw new KeyNotFoundException($"Zone {zone.Id} does not exist.");
            }

            if (store.ZoneRows.Values.Any(z => z.Id != zone.Id && string.Equals(z.Name, zone.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DuplicateException($"A zone named '{zone.Name}' already exists.");
            }

            store.ZoneRows[zone.Id] = zone;
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.BpodRows.Values.Any(b => b.ZoneId == id))
            {
                throw new InvalidOperationException("The zone still has BPODs; delete or move them first.");
            }

            store.ZoneRows.Remove(id);
        });
        return Task.CompletedTask;
    }
}

public sealed class InMemoryBpodRepository(InMemoryStore store) : IBpodRepository
{
    public Task<IReadOnlyList<Bpod>> ListAsync(Guid? zoneId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Bpod>>(store.Locked(() =>
            store.BpodRows.Values.Where(b => zoneId is null || b.ZoneId == zoneId).OrderBy(b => b.Name, StringComparer.Ordinal).ToArray()));

    public Task<Bpod?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.BpodRows.GetValueOrDefault(id)));

    public Task<Bpod?> FindByNameAsync(Guid zoneId, string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() =>
            store.BpodRows.Values.FirstOrDefault(b => b.ZoneId == zoneId && string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))));

    public Task AddAsync(Bpod bpod, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (!store.ZoneRows.ContainsKey(bpod.ZoneId))
            {
                throw new KeyNotFoundException($"Zone {bpod.ZoneId} does not exist.");
            }

            if (store.BpodRows.Values.Any(b => b.ZoneId == bpod.ZoneId && string.Equals(b.Name, bpod.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DuplicateException($"The zone already has a BPOD named '{bpod.Name}'.");
            }

            store.BpodRows.Add(bpod.Id, bpod);
        });
        return Task.CompletedTask;
    }

    public Task UpdateAsync(Bpod bpod, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (!store.BpodRows.ContainsKey(bpod.Id))
            {
                throw new KeyNotFoundException($"BPOD {bpod.Id} does not exist.");
            }

            if (store.BpodRows.Values.Any(b => b.Id != bpod.Id && b.ZoneId == bpod.ZoneId && string.Equals(b.Name, bpod.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DuplicateException($"The zone already has a BPOD named '{bpod.Name}'.");
            }

            store.BpodRows[bpod.Id] = bpod;
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.NodeRows.Values.Any(n => n.BpodId == id))
            {
                throw new InvalidOperationException("The BPOD still has nodes; delete or move them first.");
            }

            store.BpodRows.Remove(id);
        });
        return Task.CompletedTask;
    }
}

public sealed class InMemoryImageRepository(InMemoryStore store) : IImageRepository
{
    public Task<IReadOnlyList<Image>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Image>>(store.Locked(() => store.ImageRows.Values.OrderBy(i => i.Name, StringComparer.Ordinal).ToArray()));

    public Task<Image?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.ImageRows.GetValueOrDefault(id)));

    public Task<Image?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.ImageRows.Values.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase))));

    public Task AddAsync(Image image, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (store.ImageRows.Values.Any(i => string.Equals(i.Name, image.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DuplicateException($"An image named '{image.Name}' already exists.");
            }

            store.ImageRows.Add(image.Id, image);
        });
        return Task.CompletedTask;
    }

    public Task UpdateAsync(Image image, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            var current = store.ImageRows.GetValueOrDefault(image.Id) ?? throw new KeyNotFoundException($"No image {image.Id} ({image.Name}): it was deleted.");
            store.ImageRows[image.Id] = current with
            {
                Format = image.Format,
                SizeBytes = image.SizeBytes,
                Sha256 = image.Sha256,
                Location = image.Location,
                Description = image.Description,
            };
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        store.Locked(() => store.ImageRows.Remove(id));
        return Task.CompletedTask;
    }
}

public sealed class InMemoryProfileRepository(InMemoryStore store) : IProfileRepository
{
    public Task<IReadOnlyList<TemplateProfile>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TemplateProfile>>(store.Locked(() => store.ProfileRows.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToArray()));

    public Task<TemplateProfile?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.ProfileRows.Values.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))));

    public Task UpsertAsync(TemplateProfile profile, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            var same = store.ProfileRows.Values.FirstOrDefault(p => string.Equals(p.Name, profile.Name, StringComparison.OrdinalIgnoreCase));
            if (same is not null)
            {
                store.ProfileRows.Remove(same.Id);
            }

            store.ProfileRows[profile.Id] = profile;
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        store.Locked(() => store.ProfileRows.Remove(id));
        return Task.CompletedTask;
    }
}

public sealed class InMemoryClusterRepository(InMemoryStore store) : IClusterRepository
{
    public Task<IReadOnlyList<Cluster>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Cluster>>(store.Locked(() => store.ClusterRows.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToArray()));

    public Task<Cluster?> FindByNameAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.ClusterRows.Values.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))));

    public Task UpsertAsync(Cluster cluster, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            var same = store.ClusterRows.Values.FirstOrDefault(c => string.Equals(c.Name, cluster.Name, StringComparison.OrdinalIgnoreCase));
            if (same is not null)
            {
                store.ClusterRows.Remove(same.Id);
            }

            store.ClusterRows[cluster.Id] = cluster;
        });
        return Task.CompletedTask;
    }

    public Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        store.Locked(() => store.ClusterRows.Remove(id));
        return Task.CompletedTask;
    }
}

public sealed class InMemoryAuditLog(InMemoryStore store) : IAuditLog
{
    public Task AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        store.Locked(() => store.AuditRows.Add(auditEvent with { Id = ++store.NextId }));
        return Task.CompletedTask;
    }

    public Task<Page<AuditEvent>> ListAsync(string? objectType, string? objectId, PageRequest page, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => InMemoryStore.Paged(
            store.AuditRows
                .Where(a => objectType is null || string.Equals(a.ObjectType, objectType, StringComparison.OrdinalIgnoreCase))
                .Where(a => objectId is null || string.Equals(a.ObjectId, objectId, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(a => a.Id),
            page)));
}

/// <summary>Secrets kept in plain memory (tests only: the real store encrypts them).</summary>
public sealed class InMemorySecretRepository(InMemoryStore store) : ISecretRepository
{
    public Task<string?> GetAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.SecretRows.GetValueOrDefault(name)));

    public Task SetAsync(string name, string value, CancellationToken cancellationToken)
    {
        store.Locked(() => store.SecretRows[name] = value);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(store.Locked(() => store.SecretRows.Keys.Order(StringComparer.Ordinal).ToArray()));

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        store.Locked(() => store.SecretRows.Remove(name));
        return Task.CompletedTask;
    }
}

public sealed class InMemoryLeaseRepository(InMemoryStore store) : ILeaseRepository
{
    public Task<IReadOnlyList<LeaseRecord>> LoadAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LeaseRecord>>(store.Locked(() => store.LeaseRows.Values.ToArray()));

    public Task UpsertBatchAsync(IReadOnlyList<LeaseRecord> leases, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            foreach (var lease in leases)
            {
                store.LeaseRows[lease.Address.ToString()] = lease;
            }
        });
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LeaseRecord>> FindByMacAsync(Core.Networking.MacAddress mac, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LeaseRecord>>(store.Locked(() => store.LeaseRows.Values.Where(l => l.Mac == mac).ToArray()));
}
