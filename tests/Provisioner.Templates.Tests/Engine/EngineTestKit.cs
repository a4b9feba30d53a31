using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;

namespace Provisioner.Templates.Tests.Engine;

internal static class EngineTestKit
{
    /// <summary>The default sample with extra profile variables, read in templates with {{get profile.variables "k"}}.</summary>
    public static TemplateContext WithVariables(params (string Key, string Value)[] variables)
    {
        var sample = SampleContexts.Default;
        var merged = sample.Profile.Variables.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (k, v) in variables)
        {
            merged[k] = v;
        }

        return sample with { Profile = sample.Profile with { Variables = merged } };
    }

    public static async Task<string> RenderAsync(string template, TemplateContext? context = null, TemplateEngine? engine = null,
        RenderMode mode = RenderMode.Preview, ISecretResolver? secrets = null, IReadOnlyList<TemplateSource>? partials = null)
    {
        var result = await (engine ?? new TemplateEngine()).RenderAsync(new TemplateSource("test", 1, template), partials ?? [],
            context ?? SampleContexts.Default, mode, secrets, CancellationToken.None);
        return result.Output;
    }
}

internal sealed class DictionarySecrets(Dictionary<string, string> values) : ISecretResolver
{
    public List<string> Requested { get; } = [];

    public ValueTask<string?> GetAsync(string name, CancellationToken cancellationToken)
    {
        Requested.Add(name);
        return ValueTask.FromResult(values.GetValueOrDefault(name));
    }
}
