using System.Text.Json;
using System.Text.Json.Serialization;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Templates.Authoring;

/// <summary>
/// Adds the default profiles (templates/profiles.json) that the store does not have yet. A profile already in the store
/// is never touched: from its first start on, profiles belong to ops.
/// </summary>
public static class ProfileSeeder
{
    public const string FileName = "profiles.json";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Returns the names of the profiles added.</summary>
    public static async Task<IReadOnlyList<string>> SeedAsync(IProfileRepository repository, string templatesDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var path = Path.Combine(templatesDirectory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        var added = new List<string>();
        foreach (var profile in Load(path))
        {
            if (await repository.FindByNameAsync(profile.Name, cancellationToken).ConfigureAwait(false) is null)
            {
                await repository.UpsertAsync(profile, cancellationToken).ConfigureAwait(false);
                added.Add(profile.Name);
            }
        }

        return added;
    }

    /// <summary>Reads the profiles file; a malformed one is an error naming the file (it ships with the appliance).</summary>
    public static IReadOnlyList<TemplateProfile> Load(string path)
    {
        ProfileFileEntry[]? entries;
        try
        {
            entries = JsonSerializer.Deserialize<ProfileFileEntry[]>(File.ReadAllText(path), s_json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }

        return (entries ?? []).Select(e => new TemplateProfile
        {
            // Derived from the name so every appliance sharing a store seeds the same row.
            Id = NameGuid(e.Name ?? throw new InvalidDataException($"{path}: a profile has no name.")),
            Name = e.Name,
            Description = e.Description,
            InstallMethod = e.InstallMethod ?? InstallMethod.Image,
            Templates = e.Templates ?? new Dictionary<string, string>(),
            Variables = e.Variables ?? new Dictionary<string, string>(),
        }).ToList();
    }

    private static Guid NameGuid(string name)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("profile:" + name));
        hash[6] = (byte)((hash[6] & 0x0f) | 0x50); // version 5-style (name based)
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    private sealed record ProfileFileEntry(string? Name, string? Description, InstallMethod? InstallMethod,
        Dictionary<string, string>? Templates, Dictionary<string, string>? Variables);
}
