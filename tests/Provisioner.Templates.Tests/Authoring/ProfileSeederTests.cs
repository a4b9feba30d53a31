using Provisioner.Core.Inventory;
using Provisioner.Templates.Authoring;
using Provisioner.TestKit.InMemory;

namespace Provisioner.Templates.Tests.Authoring;

[Trait("Area", "Templates")]
public sealed class ProfileSeederTests
{
    private readonly InMemoryProfileRepository _profiles = new(new InMemoryStore());

    [Fact]
    public async Task Seed_DefaultProfiles_AddedAndEachNamesExistingTemplates()
    {
        var added = await ProfileSeeder.SeedAsync(_profiles, DefaultTemplateSet.TemplatesDirectory);

        Assert.Contains("test-os", added);
        var names = DefaultTemplateSet.All.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var profile in await _profiles.ListAsync(CancellationToken.None))
        {
            Assert.Contains("user-data", profile.Templates.Keys);
            Assert.All(profile.Templates.Values, t => Assert.True(names.Contains(t), $"profile {profile.Name} names missing template {t}"));
        }
    }

    [Fact]
    public async Task Seed_ProfileEditedByOps_IsKept()
    {
        await ProfileSeeder.SeedAsync(_profiles, DefaultTemplateSet.TemplatesDirectory);
        var mine = (await _profiles.FindByNameAsync("chef", CancellationToken.None))! with { Description = "ours" };
        await _profiles.UpsertAsync(mine, CancellationToken.None);

        var again = await ProfileSeeder.SeedAsync(_profiles, DefaultTemplateSet.TemplatesDirectory);

        Assert.Empty(again);
        Assert.Equal("ours", (await _profiles.FindByNameAsync("chef", CancellationToken.None))!.Description);
    }

    [Fact]
    public void Load_MalformedFile_NamesTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("profiles-").FullName;
        try
        {
            var path = Path.Combine(dir, ProfileSeeder.FileName);
            File.WriteAllText(path, "[{\"name\": \"x\", \"installMethod\": \"floppy\"}]");

            var e = Assert.Throws<InvalidDataException>(() => ProfileSeeder.Load(path));

            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_InstallMethodInKebabCase_Parsed()
    {
        var profiles = ProfileSeeder.Load(Path.Combine(DefaultTemplateSet.TemplatesDirectory, ProfileSeeder.FileName));

        Assert.All(profiles, p => Assert.Equal(InstallMethod.Image, p.InstallMethod));
    }
}
