namespace Provisioner.Templates.Lookup;

/// <summary>Who a template is looked up for: the scopes (node, BPOD, zone) and the qualifiers (firmware, arch, OS).</summary>
public sealed record LookupScope
{
    public string? Hostname { get; init; }

    public string? Bpod { get; init; }

    public string? Zone { get; init; }

    /// <summary>"bios" or "uefi".</summary>
    public string? Firmware { get; init; }

    /// <summary>"x86_64", "arm64".</summary>
    public string? Arch { get; init; }

    /// <summary>OS of the image/profile ("rocky9", "debian12", "ubuntu2404").</summary>
    public string? Os { get; init; }

    public static LookupScope For(Context.TemplateContext context, string? os = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new LookupScope
        {
            Hostname = context.Node.Hostname,
            Bpod = context.Bpod.Name,
            Zone = context.Zone.Name,
            Firmware = context.Boot.Firmware,
            Arch = context.Boot.Arch,
            Os = os,
        };
    }
}

/// <summary>
/// The order templates are looked up in, most specific first. A logical name "ipxe/deploy.ipxe" (purpose "ipxe/deploy",
/// extension ".ipxe") is tried, MAAS-style, as <c>purpose.firmware.arch.os</c> down to <c>purpose</c>:
/// <code>
///   ipxe/deploy.uefi.x86_64.rocky9.ipxe, ipxe/deploy.uefi.x86_64.ipxe, ipxe/deploy.uefi.ipxe,
///   ipxe/deploy.x86_64.ipxe, ipxe/deploy.ipxe
/// </code>
/// and each of those first under the node's scope, then its BPOD's, its zone's, then the default (unprefixed) one:
/// <c>nodes/&lt;hostname&gt;/…</c>, <c>bpods/&lt;zone&gt;/&lt;bpod&gt;/…</c>, <c>zones/&lt;zone&gt;/…</c>, <c>…</c>.
/// A more specific scope wins over a more specific qualifier: an ops override for one rack beats the default UEFI variant.
/// </summary>
public static class TemplateLookup
{
    public static IReadOnlyList<string> Candidates(string logicalName, LookupScope scope)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logicalName);
        ArgumentNullException.ThrowIfNull(scope);
        var (stem, extension) = Split(logicalName);

        var qualifiers = new List<string>();
        void Add(params string?[] parts)
        {
            if (parts.All(p => !string.IsNullOrEmpty(p)))
            {
                var q = string.Concat(parts.Select(p => "." + p));
                if (!qualifiers.Contains(q, StringComparer.Ordinal))
                {
                    qualifiers.Add(q);
                }
            }
        }

        Add(scope.Firmware, scope.Arch, scope.Os);
        Add(scope.Firmware, scope.Arch);
        Add(scope.Firmware, scope.Os);
        Add(scope.Firmware);
        Add(scope.Arch, scope.Os);
        Add(scope.Arch);
        Add(scope.Os);
        qualifiers.Add(string.Empty);

        var prefixes = new List<string>();
        if (!string.IsNullOrEmpty(scope.Hostname))
        {
            prefixes.Add($"nodes/{scope.Hostname}/");
        }

        if (!string.IsNullOrEmpty(scope.Bpod) && !string.IsNullOrEmpty(scope.Zone))
        {
            prefixes.Add($"bpods/{scope.Zone}/{scope.Bpod}/");
        }

        if (!string.IsNullOrEmpty(scope.Zone))
        {
            prefixes.Add($"zones/{scope.Zone}/");
        }

        prefixes.Add(string.Empty);
        return prefixes.SelectMany(p => qualifiers.Select(q => p + stem + q + extension)).ToList();
    }

    /// <summary>The scope-free, qualifier-free name of a template ("zones/dc1/ipxe/deploy.uefi.ipxe" → "ipxe/deploy.ipxe" is NOT
    /// derivable in general; this only strips the scope prefix).</summary>
    public static string WithoutScope(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var parts = name.Split('/');
        return parts[0] switch
        {
            "nodes" or "zones" when parts.Length > 2 => string.Join('/', parts[2..]),
            "bpods" when parts.Length > 3 => string.Join('/', parts[3..]),
            _ => name,
        };
    }

    private static (string Stem, string Extension) Split(string name)
    {
        var slash = name.LastIndexOf('/');
        var dot = name.IndexOf('.', slash + 1);
        return dot < 0 ? (name, string.Empty) : (name[..dot], name[dot..]);
    }
}
