using System.Globalization;

namespace Provisioner.Agent.Facts;

/// <summary>Reads small text attributes below a root directory (the real / or a fake tree in tests).</summary>
public sealed class SysfsReader(string root)
{
    /// <summary>The root the absolute paths are resolved under.</summary>
    public string Root { get; } = root;

    /// <summary>Maps an absolute path like <c>/sys/block</c> under the root.</summary>
    public string PathOf(string absolute) => Path.Combine(Root, absolute.TrimStart('/'));

    /// <summary>Trimmed text of a file, or null when it is missing, unreadable or empty.</summary>
    public string? Text(string absolute)
    {
        try
        {
            var text = File.ReadAllText(PathOf(absolute)).Trim('\0', ' ', '\n', '\t', '\r');
            return text.Length == 0 ? null : text;
        }
        catch (IOException)
        {
            // sysfs answers EINVAL for some attributes (e.g. carrier/speed of a down link).
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Integer attribute, or null.</summary>
    public long? Long(string absolute) =>
        long.TryParse(Text(absolute), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>True when the path exists (file, directory or link).</summary>
    public bool Exists(string absolute)
    {
        var p = PathOf(absolute);
        return Path.Exists(p) || new FileInfo(p).LinkTarget is not null;
    }

    /// <summary>Names of the entries of a directory, sorted; empty when missing.</summary>
    public IReadOnlyList<string> Entries(string absolute)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(PathOf(absolute)).Select(Path.GetFileName).OfType<string>()
                .Order(StringComparer.Ordinal).ToArray();
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Last path element of a symbolic link's target (e.g. the driver name of <c>device/driver</c>), or null.</summary>
    public string? LinkName(string absolute)
    {
        try
        {
            var target = new FileInfo(PathOf(absolute)).LinkTarget;
            return target is null ? null : Path.GetFileName(target.TrimEnd('/'));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
