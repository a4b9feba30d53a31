using Provisioner.Core.Persistence;
using Provisioner.Templates.Lookup;

namespace Provisioner.Templates.Authoring;

/// <summary>What a seeding run did.</summary>
public sealed record SeedReport(IReadOnlyList<string> Added, IReadOnlyList<string> Updated, IReadOnlyList<string> KeptOpsVersion)
{
    public override string ToString() =>
        $"{Added.Count} added, {Updated.Count} updated, {KeptOpsVersion.Count} kept (edited by ops; new default stored inactive)";
}

/// <summary>
/// Loads the default templates (templates/) into the store, on first start and on demand. Missing templates are added
/// and activated. A changed default becomes a new version; it is activated only while the active version is itself a
/// default (ops did not edit it); an ops edit stays active and the new default waits, inactive, for ops to diff and adopt.
/// </summary>
public static class TemplateSeeder
{
    /// <summary>The author recorded on default versions.</summary>
    public const string SeedAuthor = "system:defaults";

    public static async Task<SeedReport> SeedAsync(ITemplateRepository repository, string directory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var added = new List<string>();
        var updated = new List<string>();
        var kept = new List<string>();

        // Partials first: templates including them validate against them as soon as they are active.
        foreach (var file in TemplateDirectory.Load(directory).OrderBy(f => f.Kind == TemplateKinds.Partial ? 0 : 1))
        {
            var versions = await repository.ListVersionsAsync(file.Name, cancellationToken).ConfigureAwait(false);
            if (versions.Count == 0)
            {
                await repository.AddVersionAsync(file.Name, file.Kind, file.Content, SeedAuthor, "default template", activate: true, cancellationToken)
                    .ConfigureAwait(false);
                added.Add(file.Name);
                continue;
            }

            var lastDefault = versions.Where(v => v.Author == SeedAuthor).MaxBy(v => v.Version);
            if (lastDefault is not null && lastDefault.Content == file.Content)
            {
                continue;
            }

            var active = versions.FirstOrDefault(v => v.IsActive);
            var opsEdited = active is not null && active.Author != SeedAuthor;
            await repository.AddVersionAsync(file.Name, file.Kind, file.Content, SeedAuthor, "updated default template", activate: !opsEdited,
                cancellationToken).ConfigureAwait(false);
            (opsEdited ? kept : updated).Add(file.Name);
        }

        return new SeedReport(added, updated, kept);
    }
}
