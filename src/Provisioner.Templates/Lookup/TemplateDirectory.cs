namespace Provisioner.Templates.Lookup;

/// <summary>A template file under a templates directory: "ipxe/deploy.ipxe.hbs" is the template "ipxe/deploy.ipxe".</summary>
public sealed record TemplateFile(string Name, string Kind, string Content);

/// <summary>Reads the default templates shipped in templates/.</summary>
public static class TemplateDirectory
{
    public const string Extension = ".hbs";

    public static IReadOnlyList<TemplateFile> Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        return Directory.EnumerateFiles(root, "*" + Extension, SearchOption.AllDirectories)
            .Select(path =>
            {
                var relative = Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/');
                var name = relative[..^Extension.Length];
                return new TemplateFile(name, TemplateKinds.Infer(name), File.ReadAllText(path).ReplaceLineEndings("\n"));
            })
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Finds the templates/ directory by walking up from <paramref name="start"/> (tests, dev runs).</summary>
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "templates");
            if (Directory.Exists(Path.Combine(candidate, "ipxe")))
            {
                return candidate;
            }
        }

        return null;
    }
}
