using Provisioner.Core.Inventory;

namespace Provisioner.Appliance.Api;

/// <summary>The files an image record owns in the images directory (a file, or a chunked image's directory).</summary>
public static class LocalImageFiles
{
    /// <summary>
    /// Removes what <paramref name="image"/> points at when that lies inside <paramref name="imagesDirectory"/>, and
    /// returns its path relative to that directory; null when there was nothing local to remove (a URL, a path
    /// outside the directory that the operator manages, or a file already gone).
    /// </summary>
    public static string? Delete(Image image, string imagesDirectory)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (Uri.TryCreate(image.Location, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            return null;
        }

        var root = Path.GetFullPath(imagesDirectory) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.IsPathRooted(image.Location) ? image.Location : Path.Combine(root, image.Location));
        if (image.Format == ImageFormat.Chunked)
        {
            full = Path.GetDirectoryName(full)!; // the location is the index; the image is its directory of chunks
        }

        // Never the directory itself, never anything outside it (a registered absolute path belongs to its owner).
        if (!full.StartsWith(root, StringComparison.Ordinal) || full.Length == root.Length)
        {
            return null;
        }

        if (Directory.Exists(full))
        {
            Directory.Delete(full, recursive: true);
        }
        else if (File.Exists(full))
        {
            File.Delete(full);
        }
        else
        {
            return null;
        }

        return Path.GetRelativePath(root, full);
    }
}
