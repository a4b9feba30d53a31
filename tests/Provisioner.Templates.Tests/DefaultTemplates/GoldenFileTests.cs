using Provisioner.Templates.Context;
using Provisioner.Templates.Lookup;
using Provisioner.Templates.Validation;

namespace Provisioner.Templates.Tests.DefaultTemplates;

/// <summary>
/// Every default template rendered for every sample node and compared byte for byte with testdata/expected/.
/// Set PROVISIONER_UPDATE_GOLDEN=1 to rewrite the expected files after an intended change (then review the diff).
/// </summary>
[Trait("Area", "Templates")]
public sealed class GoldenFileTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in DefaultTemplateSet.All.Where(f => f.Kind != TemplateKinds.Partial))
        {
            foreach (var sample in SampleContexts.All.Keys)
            {
                data.Add(file.Name, sample);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Render_SampleNode_MatchesGoldenFileAndParses(string template, string sample)
    {
        var output = await DefaultTemplateSet.RenderAsync(template, SampleContexts.All[sample]);

        var kind = TemplateKinds.Infer(template);
        Assert.Empty(OutputValidator.Check(kind, output));
        var expectedPath = Path.Combine(SourceDirectory(), "testdata", "expected", sample, template);
        if (Environment.GetEnvironmentVariable("PROVISIONER_UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(expectedPath)!);
            await File.WriteAllTextAsync(expectedPath, output);
        }

        Assert.True(File.Exists(expectedPath), $"No golden file {expectedPath}; run with PROVISIONER_UPDATE_GOLDEN=1 and review it.");
        Assert.Equal(await File.ReadAllTextAsync(expectedPath), output);
    }

    [Fact]
    public async Task Validate_EveryDefaultTemplate_HasNoErrors()
    {
        var validator = new TemplateValidator(new Provisioner.Templates.Engine.TemplateEngine());
        var failures = new List<string>();
        foreach (var file in DefaultTemplateSet.All)
        {
            var report = await validator.ValidateAsync(file.Name, file.Kind, file.Content, DefaultTemplateSet.Partials, CancellationToken.None);
            failures.AddRange(report.Diagnostics.Select(d => d.ToString()));
        }

        Assert.Empty(failures);
    }

    internal static string SourceDirectory() => Path.Combine(DefaultTemplateSet.RepositoryRoot, "tests", "Provisioner.Templates.Tests");
}
