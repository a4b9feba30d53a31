using Provisioner.Core.Persistence;
using Provisioner.Templates.Context;
using Provisioner.Templates.Lookup;

namespace Provisioner.Templates.Engine;

/// <summary>
/// Renders stored templates for a node: looks the template up with fallbacks (node, BPOD, zone, default;
/// firmware/arch/OS variants), gathers the partials (scoped overrides win), renders, and reports the pin.
/// This is what the boot endpoints call; a running job re-renders with <see cref="RenderPinnedAsync"/>.
/// </summary>
public sealed class TemplateRenderer
{
    private readonly ITemplateRepository _repository;
    private readonly TemplateEngine _engine;

    public TemplateRenderer(ITemplateRepository repository, TemplateEngine engine)
    {
        _repository = repository;
        _engine = engine;
    }

    /// <summary>The active template a node gets for <paramref name="logicalName"/> (e.g. "ipxe/deploy.ipxe"), or null.</summary>
    public async Task<TemplateVersion?> ResolveAsync(string logicalName, LookupScope scope, CancellationToken cancellationToken)
    {
        var active = await _repository.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        var byName = active.ToDictionary(t => t.Name, StringComparer.Ordinal);
        return TemplateLookup.Candidates(logicalName, scope).Select(c => byName.GetValueOrDefault(c)).FirstOrDefault(t => t is not null);
    }

    /// <summary>Renders the active template for <paramref name="logicalName"/> with the active partials.</summary>
    /// <exception cref="TemplateNotFoundException">No candidate name exists.</exception>
    public async Task<RenderResult> RenderAsync(string logicalName, TemplateContext context, RenderMode mode, ISecretResolver? secrets,
        CancellationToken cancellationToken, string? os = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scope = LookupScope.For(context, os);
        var active = await _repository.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        var byName = active.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var candidates = TemplateLookup.Candidates(logicalName, scope);
        var template = candidates.Select(c => byName.GetValueOrDefault(c)).FirstOrDefault(t => t is not null)
            ?? throw new TemplateNotFoundException($"No template for '{logicalName}' (tried {string.Join(", ", candidates)}).");
        var partials = SelectPartials(active, scope);
        return await _engine.RenderAsync(ToSource(template), partials, context, mode, secrets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders exactly the versions in <paramref name="pin"/> (what a running job started with).</summary>
    public async Task<RenderResult> RenderPinnedAsync(TemplatePin pin, TemplateContext context, RenderMode mode, ISecretResolver? secrets,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pin);
        var template = await _repository.GetVersionAsync(pin.Name, pin.Version, cancellationToken).ConfigureAwait(false)
            ?? throw new TemplateNotFoundException($"Template '{pin.Name}' has no version {pin.Version}.");
        var active = await _repository.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        var scope = LookupScope.For(context);
        var partials = new List<TemplateSource>();
        foreach (var partial in SelectPartials(active, scope))
        {
            if (pin.Partials.TryGetValue(partial.PartialName, out var pinnedVersion) && pinnedVersion != partial.Version)
            {
                var pinned = await _repository.GetVersionAsync(partial.Name, pinnedVersion, cancellationToken).ConfigureAwait(false);
                partials.Add(pinned is null ? partial : ToSource(pinned));
            }
            else
            {
                partials.Add(partial);
            }
        }

        return await _engine.RenderAsync(ToSource(template), partials, context, mode, secrets, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders one stored version with the active partials (preview of a draft, "render by (name, version)").</summary>
    public async Task<RenderResult> RenderVersionAsync(string name, int version, TemplateContext context, RenderMode mode, ISecretResolver? secrets,
        CancellationToken cancellationToken)
    {
        var template = await _repository.GetVersionAsync(name, version, cancellationToken).ConfigureAwait(false)
            ?? throw new TemplateNotFoundException($"Template '{name}' has no version {version}.");
        var active = await _repository.ListActiveAsync(cancellationToken).ConfigureAwait(false);
        return await _engine.RenderAsync(ToSource(template), SelectPartials(active, LookupScope.For(context)), context, mode, secrets, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>For each partial name, the active partial of the most specific scope (node, BPOD, zone, default).</summary>
    internal static List<TemplateSource> SelectPartials(IEnumerable<TemplateVersion> active, LookupScope scope)
    {
        var prefixes = new List<string>();
        if (scope.Hostname is not null)
        {
            prefixes.Add($"nodes/{scope.Hostname}/");
        }

        if (scope.Bpod is not null && scope.Zone is not null)
        {
            prefixes.Add($"bpods/{scope.Zone}/{scope.Bpod}/");
        }

        if (scope.Zone is not null)
        {
            prefixes.Add($"zones/{scope.Zone}/");
        }

        prefixes.Add(string.Empty);
        return active
            .Where(t => t.Kind == TemplateKinds.Partial)
            .Select(t => (Template: t, Rank: prefixes.FindIndex(p => p.Length == 0
                ? TemplateLookup.WithoutScope(t.Name) == t.Name
                : t.Name.StartsWith(p, StringComparison.Ordinal))))
            .Where(x => x.Rank >= 0)
            .GroupBy(x => ToSource(x.Template).PartialName, StringComparer.Ordinal)
            .Select(g => ToSource(g.OrderBy(x => x.Rank).First().Template))
            .ToList();
    }

    internal static TemplateSource ToSource(TemplateVersion t) => new(t.Name, t.Version, t.Content);
}

/// <summary>No template (or version) with that name.</summary>
public sealed class TemplateNotFoundException : Exception
{
    public TemplateNotFoundException() { }

    public TemplateNotFoundException(string message) : base(message) { }

    public TemplateNotFoundException(string message, Exception inner) : base(message, inner) { }
}
