namespace Provisioner.Templates.Engine;

/// <summary>One template text to render, with where it came from (for pinning and error messages).</summary>
public sealed record TemplateSource(string Name, int Version, string Content)
{
    /// <summary>The name a partial is included by: "partials/ipxe-live-boot" and "zones/dc1/partials/ipxe-live-boot"
    /// are both <c>{{&gt; ipxe-live-boot}}</c>.</summary>
    public string PartialName
    {
        get
        {
            var i = Name.LastIndexOf("partials/", StringComparison.Ordinal);
            return i >= 0 ? Name[(i + "partials/".Length)..] : Name;
        }
    }
}

/// <summary>Limits for one render.</summary>
public sealed record TemplateEngineOptions
{
    /// <summary>Output larger than this (characters) stops the render. Default 4 MiB: a kickstart is a few KiB.</summary>
    public long MaxOutputChars { get; init; } = 4 * 1024 * 1024;

    /// <summary>A render taking longer stops with an error. Default 2 s.</summary>
    public TimeSpan TimeLimit { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Partials including partials deeper than this stop the render (recursion).</summary>
    public short MaxPartialDepth { get; init; } = 16;
}

/// <summary>A rendered template.</summary>
public sealed record RenderResult
{
    public required string Output { get; init; }

    /// <summary>The template and the partial versions the output came from (to pin a job to them).</summary>
    public required TemplatePin Pin { get; init; }

    /// <summary>Secret names the template referenced (never their values).</summary>
    public required IReadOnlyList<string> SecretsUsed { get; init; }

    /// <summary>True when secret values are in <see cref="Output"/>: keep it out of logs, previews and API responses.</summary>
    public bool ContainsSecrets { get; init; }

    public TimeSpan Elapsed { get; init; }
}

/// <summary>Exact template versions a render used; a running job renders with its pin so later edits do not change it.</summary>
public sealed record TemplatePin(string Name, int Version, IReadOnlyDictionary<string, int> Partials)
{
    public override string ToString() =>
        Partials.Count == 0 ? $"{Name}@{Version}" : $"{Name}@{Version} ({string.Join(", ", Partials.Select(p => $"{p.Key}@{p.Value}"))})";
}
