using Provisioner.Appliance.Boot;
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
        // The boot file server's resolver: inside the directory, no "..", no absolute path, no symlink leading out.
        var resolver = new SafeFileResolver(imagesDirectory);
        if (resolver.Resolve(image.Location) is not { } file)
        {
            return null;
        }

        if (image.Format != ImageFormat.Chunked)
        {
            File.Delete(file);
            return Path.GetRelativePath(resolver.Root, file);
        }

        // The location is the index; the image is its directory of chunks (never the images directory itself).
        var directory = Path.GetDirectoryName(file)! + Path.DirectorySeparatorChar;
        if (directory == resolver.Root)
        {
            File.Delete(file);
            return Path.GetRelativePath(resolver.Root, file);
        }

        Directory.Delete(directory, recursive: true);
        return Path.GetRelativePath(resolver.Root, directory).TrimEnd(Path.DirectorySeparatorChar);
    }
}
