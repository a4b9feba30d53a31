using Provisioner.Core.Persistence;

namespace Provisioner.Templates.Tests.Fakes;

/// <summary>The template store contract in memory: immutable numbered versions, one active per name.</summary>
internal sealed class InMemoryTemplateRepository(TimeProvider? time = null) : ITemplateRepository
{
    private readonly Dictionary<string, List<TemplateVersion>> _versions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public Task<IReadOnlyList<TemplateVersion>> ListActiveAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TemplateVersion>>(_versions.Values.SelectMany(v => v).Where(v => v.IsActive)
                .OrderBy(v => v.Name, StringComparer.Ordinal).ToList());
        }
    }

    public Task<TemplateVersion?> GetActiveAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(name)?.FirstOrDefault(v => v.IsActive));
        }
    }

    public Task<TemplateVersion?> GetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_versions.GetValueOrDefault(name)?.FirstOrDefault(v => v.Version == version));
        }
    }

    public Task<IReadOnlyList<TemplateVersion>> ListVersionsAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TemplateVersion>>(_versions.GetValueOrDefault(name)?.ToList() ?? []);
        }
    }

    public Task<TemplateVersion> AddVersionAsync(string name, string kind, string content, string author, string? comment, bool activate,
        CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_versions.TryGetValue(name, out var list))
            {
                _versions[name] = list = [];
            }

            var version = new TemplateVersion
            {
                Name = name,
                Version = list.Count + 1,
                Kind = kind,
                Content = content,
                Author = author,
                Comment = comment,
                CreatedAt = _time.GetUtcNow(),
                IsActive = activate,
            };
            if (activate)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    list[i] = list[i] with { IsActive = false };
                }
            }

            list.Add(version);
            return Task.FromResult(version);
        }
    }

    public Task ActivateAsync(string name, int version, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var list = _versions.GetValueOrDefault(name) ?? throw new KeyNotFoundException(name);
            if (list.All(v => v.Version != version))
            {
                throw new KeyNotFoundException($"{name} v{version}");
            }

            for (var i = 0; i < list.Count; i++)
            {
                list[i] = list[i] with { IsActive = list[i].Version == version };
            }

            return Task.CompletedTask;
        }
    }
}
