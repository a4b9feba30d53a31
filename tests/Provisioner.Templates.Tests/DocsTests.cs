using Provisioner.Templates.Context;
using Provisioner.Templates.Helpers;

namespace Provisioner.Templates.Tests;

/// <summary>docs/templates.md is the reference ops author against: it must name every context field and helper.</summary>
[Trait("Area", "Templates")]
public sealed class DocsTests
{
    private static string Docs() => File.ReadAllText(Path.Combine(DefaultTemplateSet.RepositoryRoot, "docs", "templates.md"));

    [Fact]
    public void TemplatesDoc_EveryContextPath_Documented()
    {
        if (Environment.GetEnvironmentVariable("PROVISIONER_DUMP_SCHEMA") is { Length: > 0 } dump)
        {
            File.WriteAllLines(dump, ContextSchema.Describe().Select(d => $"| `{d.Path}` | {d.Type}{(d.Optional ? " (optional)" : "")} |"));
        }

        var docs = Docs();
        var missing = ContextSchema.Describe().Select(d => d.Path).Where(p => !docs.Contains($"`{p}`", StringComparison.Ordinal)).ToList();

        Assert.Empty(missing);
    }

    [Fact]
    public void TemplatesDoc_EveryHelper_Documented()
    {
        var docs = Docs();

        var missing = TemplateHelpers.Names.Where(h => !docs.Contains($"`{h}", StringComparison.Ordinal) && !docs.Contains("{{#" + h, StringComparison.Ordinal) && !docs.Contains("{{" + h, StringComparison.Ordinal)).ToList();

        Assert.Empty(missing);
    }
}
