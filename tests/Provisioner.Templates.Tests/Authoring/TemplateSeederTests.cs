using Provisioner.Templates.Authoring;
using Provisioner.Templates.Tests.Fakes;

namespace Provisioner.Templates.Tests.Authoring;

[Trait("Area", "Templates")]
public sealed class TemplateSeederTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tpl-seed-").FullName;
    private readonly InMemoryTemplateRepository _repository = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Seed_DefaultDirectory_AddsEveryTemplateActive()
    {
        var report = await TemplateSeeder.SeedAsync(_repository, DefaultTemplateSet.TemplatesDirectory);

        var active = await _repository.ListActiveAsync(CancellationToken.None);
        Assert.Equal(DefaultTemplateSet.All.Count, report.Added.Count);
        Assert.Equal(DefaultTemplateSet.All.Select(f => f.Name).Order(StringComparer.Ordinal), active.Select(t => t.Name));
        Assert.All(active, t => Assert.Equal(TemplateSeeder.SeedAuthor, t.Author));
    }

    [Fact]
    public async Task Seed_Twice_AddsNothing()
    {
        await TemplateSeeder.SeedAsync(_repository, DefaultTemplateSet.TemplatesDirectory);

        var second = await TemplateSeeder.SeedAsync(_repository, DefaultTemplateSet.TemplatesDirectory);

        Assert.Empty(second.Added);
        Assert.Empty(second.Updated);
        Assert.Empty(second.KeptOpsVersion);
    }

    [Fact]
    public async Task Seed_ChangedDefault_ActivatedWhenNotEditedKeptWhenEdited()
    {
        WriteTemplate("ipxe/a.ipxe", "#!ipxe\necho a1\n");
        WriteTemplate("ipxe/b.ipxe", "#!ipxe\necho b1\n");
        await TemplateSeeder.SeedAsync(_repository, _dir);
        await _repository.AddVersionAsync("ipxe/b.ipxe", "ipxe", "#!ipxe\necho ops\n", "alice", "ops edit", activate: true, CancellationToken.None);
        WriteTemplate("ipxe/a.ipxe", "#!ipxe\necho a2\n");
        WriteTemplate("ipxe/b.ipxe", "#!ipxe\necho b2\n");

        var report = await TemplateSeeder.SeedAsync(_repository, _dir);

        Assert.Equal(["ipxe/a.ipxe"], report.Updated);
        Assert.Equal(["ipxe/b.ipxe"], report.KeptOpsVersion);
        Assert.Equal("#!ipxe\necho a2\n", (await _repository.GetActiveAsync("ipxe/a.ipxe", CancellationToken.None))!.Content);
        Assert.Equal("#!ipxe\necho ops\n", (await _repository.GetActiveAsync("ipxe/b.ipxe", CancellationToken.None))!.Content);
        Assert.Equal(3, (await _repository.ListVersionsAsync("ipxe/b.ipxe", CancellationToken.None)).Count);
    }

    private void WriteTemplate(string name, string content)
    {
        var path = Path.Combine(_dir, name + ".hbs");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
