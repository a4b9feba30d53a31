using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Validation;

namespace Provisioner.Templates.Tests.Engine;

/// <summary>Random mutations of real templates: the engine and the validator answer with a result or a
/// <see cref="TemplateRenderException"/>, never another exception, a hang or a crash.</summary>
[Trait("Area", "Templates")]
public sealed class TemplateFuzzTests
{
    private static readonly string[] Fragments =
    [
        "{{", "}}", "{{{", "}}}", "{{#if", "{{/if}}", "{{#each node.tags}}", "{{/each}}", "{{else}}", "{{> ipxe-live-boot}}", "{{> nope}}",
        "(", ")", "\"", "'", "{{!--", "--}}", "{{yaml", "{{json node.facts}}", "@root.", "../", "{{~", "~}}", "\n", " ", "{{{{raw}}}}",
        "{{nthHost bpod.subnet 99999}}", "{{indent -1 \"x\"}}", "{{sha512crypt \"pw\" rounds=\"x\"}}", "{{get node.facts \"a.b.c\"}}",
    ];

    [Fact]
    public async Task RenderAndValidate_MutatedTemplates_OnlyTemplateErrors()
    {
        var random = new Random(20261122);
        var engine = new TemplateEngine(new TemplateEngineOptions { MaxOutputChars = 100_000 });
        var validator = new TemplateValidator(engine);
        var seeds = DefaultTemplateSet.All.Select(f => f.Content).ToList();
        for (var i = 0; i < 150; i++)
        {
            var text = seeds[random.Next(seeds.Count)];
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                var at = random.Next(text.Length + 1);
                text = random.Next(3) switch
                {
                    0 => text.Insert(at, Fragments[random.Next(Fragments.Length)]),
                    1 when text.Length > 0 => text.Remove(at == text.Length ? at - 1 : at, Math.Min(random.Next(1, 8), text.Length - (at == text.Length ? at - 1 : at))),
                    _ => text.Insert(at, ((char)random.Next(1, 0x3000)).ToString()),
                };
            }

            try
            {
                await engine.RenderAsync(new TemplateSource("fuzz", 1, text), DefaultTemplateSet.Partials, SampleContexts.Default, RenderMode.Preview, null,
                    CancellationToken.None);
            }
            catch (TemplateRenderException)
            {
                // expected for most mutations
            }

            var report = await validator.ValidateAsync("fuzz", "text", text, DefaultTemplateSet.Partials, CancellationToken.None);
            Assert.NotNull(report);
        }
    }
}
