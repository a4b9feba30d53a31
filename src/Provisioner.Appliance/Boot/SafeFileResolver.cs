namespace Provisioner.Appliance.Boot;

/// <summary>
/// Maps a request path onto a file under a root directory, refusing anything that would leave it:
/// "..", absolute paths, NUL bytes, and symlinks whose target lies outside the root.
/// </summary>
public sealed class SafeFileResolver
{
    private readonly string _root;

    public SafeFileResolver(string root)
    {
        _root = Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
    }

    public string Root => _root;

    /// <summary>The full path of an existing regular file under the root, or null.</summary>
    public string? Resolve(string? relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Length > 1024 || relative.Contains('\0', StringComparison.Ordinal)
            || relative.Contains('\\', StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }

        if (relative.Split('/').Any(part => part is ".." or "."))
        {
            return null;
        }

        var full = Path.GetFullPath(Path.Combine(_root, relative));
        if (!full.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(full))
        {
            return null;
        }

        // Follow symlinks all the way: the final target must still be inside the root.
        var info = new FileInfo(full);
        if (info.LinkTarget is not null)
        {
            var target = info.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !Path.GetFullPath(target.FullName).StartsWith(_root, StringComparison.Ordinal))
            {
                return null;
            }
        }

        return full;
    }
}
