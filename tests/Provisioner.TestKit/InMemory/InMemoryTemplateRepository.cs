using Provisioner.Core.Persistence;

namespace Provisioner.TestKit.InMemory;

/// <summary>Immutable template versions numbered from 1 per name; exactly one active version per name.</summary>
public sealed class InMemoryTemplateRepository(InMemoryStore store) : ITemplateRepository
{
    public Task<IReadOnlyList<TemplateVersion>> ListActiveAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TemplateVersion>>(store.Locked(() =>
            store.TemplateRows.Where(t => t.IsActive).OrderBy(t => t.Name, StringComparer.Ordinal).ToArray()));

    public Task<TemplateVersion?> GetActiveAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.TemplateRows.FirstOrDefault(t => t.IsActive && t.Name == name)));

    public Task<TemplateVersion?> GetVersionAsync(string name, int version, CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() => store.TemplateRows.FirstOrDefault(t => t.Name == name && t.Version == version)));

    public Task<IReadOnlyList<TemplateVersion>> ListVersionsAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<TemplateVersion>>(store.Locked(() =>
            store.TemplateRows.Where(t => t.Name == name).OrderByDescending(t => t.Version).ToArray()));

    public Task<TemplateVersion> AddVersionAsync(string name, string kind, string content, string author, string? comment, bool activate,
        CancellationToken cancellationToken) =>
        Task.FromResult(store.Locked(() =>
        {
            var number = store.TemplateRows.Where(t => t.Name == name).Select(t => t.Version).DefaultIfEmpty(0).Max() + 1;
            var first = number == 1;
            var version = new TemplateVersion
            {
                Name = name,
                Version = number,
                Kind = kind,
                Content = content,
                Author = author,
                Comment = comment,
                CreatedAt = store.Time.GetUtcNow(),
                IsActive = false,
            };
            store.TemplateRows.Add(version);
            if (activate || first)
            {
                SetActive(name, number);
            }

            return store.TemplateRows.Single(t => t.Name == name && t.Version == number);
        }));

    public Task ActivateAsync(string name, int version, CancellationToken cancellationToken)
    {
        store.Locked(() =>
        {
            if (!store.TemplateRows.Any(t => t.Name == name && t.Version == version))
            {
                throw new KeyNotFoundException($"Template '{name}' has no version {version}.");
            }

            SetActive(name, version);
        });
        return Task.CompletedTask;
    }

    private void SetActive(string name, int version)
    {
        for (var i = 0; i < store.TemplateRows.Count; i++)
        {
            var t = store.TemplateRows[i];
            if (t.Name == name)
            {
                store.TemplateRows[i] = t with { IsActive = t.Version == version };
            }
        }
    }
}
