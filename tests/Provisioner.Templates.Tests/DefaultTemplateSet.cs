using Provisioner.Templates.Context;
using Provisioner.Templates.Engine;
using Provisioner.Templates.Lookup;

namespace Provisioner.Templates.Tests;

/// <summary>The default templates from the repository's templates/ directory, rendered through the engine.</summary>
internal static class DefaultTemplateSet
{
    public static string TemplatesDirectory { get; } = TemplateDirectory.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("templates/ not found above " + AppContext.BaseDirectory);

    private static readonly Lazy<IReadOnlyList<TemplateFile>> Files = new(() => TemplateDirectory.Load(TemplatesDirectory));

    public static TemplateEngine Engine { get; } = new();

    public static string RepositoryRoot => Path.GetDirectoryName(TemplatesDirectory)!;

    public static IReadOnlyList<TemplateFile> All => Files.Value;

    public static IReadOnlyList<TemplateSource> Partials =>
        All.Where(f => f.Kind == TemplateKinds.Partial).Select(f => new TemplateSource(f.Name, 1, f.Content)).ToList();

    public static TemplateSource Get(string name)
    {
        var file = All.FirstOrDefault(f => f.Name == name) ?? throw new InvalidOperationException($"No default template {name}");
        return new TemplateSource(file.Name, 1, file.Content);
    }

    public static async Task<string> RenderAsync(string name, TemplateContext context, RenderMode mode = RenderMode.Preview,
        ISecretResolver? secrets = null)
    {
        var result = await Engine.RenderAsync(Get(name), Partials, context, mode, secrets, CancellationToken.None);
        return result.Output;
    }
}
