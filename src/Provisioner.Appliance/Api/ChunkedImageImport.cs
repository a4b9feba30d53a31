using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Provisioner.Imaging;
using Provisioner.Imaging.Chunked;
using Image = Provisioner.Core.Inventory.Image;

namespace Provisioner.Appliance.Api;

/// <summary>An image that cannot be imported as asked: the status, problem type and a sentence saying what to do.</summary>
public sealed class ImageImportException(int status, string type, string title, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string Title { get; } = title;
}

/// <summary>What an import produced.</summary>
/// <param name="Location">The index, relative to the images directory (<c>NAME/index.json</c>).</param>
/// <param name="Index">The chunk index written.</param>
/// <param name="IndexSha256">Hex sha256 of index.json.</param>
/// <param name="SourceFormat">What the input was, detected from its first bytes.</param>
public sealed record ChunkedImportOutcome(string Location, ChunkIndex Index, string IndexSha256, ImageFormat SourceFormat);

/// <summary>
/// Converts an image file on the appliance into the chunked format (docs/imaging.md) in <c>&lt;images&gt;/&lt;name&gt;/</c>:
/// built in a hidden work directory, its raw sha256 compared with the registered one, then swapped in whole, so a
/// failed or mismatching import leaves the previous files as they were. One import per image name at a time.
/// </summary>
public sealed class ChunkedImageImport(IOptions<ApiOptions> options, ILogger<ChunkedImageImport> logger)
{
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The images directory (absolute).</summary>
    public string ImagesDirectory => Path.GetFullPath(options.Value.ImagesDirectory);

    /// <summary>The file an image record points at, when it lies under the images directory.</summary>
    public string SourceFileOf(Image image)
    {
        var location = image.Location;
        if (Uri.TryCreate(location, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            throw new ImageImportException(422, "image-not-local", "The image is not on this appliance",
                $"Image '{image.Name}' lives at {location}; an import reads a file on the appliance. Upload it and import in one go: " +
                $"PUT /api/v1/images/NAME/content?import=chunked (provisioner image import NAME FILE).");
        }

        var root = ImagesDirectory + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.IsPathRooted(location) ? location : Path.Combine(root, location));
        if (!full.StartsWith(root, StringComparison.Ordinal))
        {
            throw new ImageImportException(422, "image-not-local", "The image is outside the images directory",
                $"Image '{image.Name}' points at {location}, outside the images directory {ImagesDirectory}.");
        }

        if (!File.Exists(full))
        {
            throw new ImageImportException(422, "image-file-missing", "The image file is missing",
                $"Image '{image.Name}' points at {Path.GetRelativePath(root, full)} in the images directory, and there is no such file.");
        }

        return full;
    }

    /// <summary>Imports <paramref name="source"/> as image <paramref name="name"/>; the raw image must hash to
    /// <paramref name="expectedSha256"/> when one is given.</summary>
    public async Task<ChunkedImportOutcome> ImportAsync(string name, string source, string? expectedSha256, IProgress<ImageProgress>? progress,
        CancellationToken ct)
    {
        if (!_running.TryAdd(name, 0))
        {
            throw new ImageImportException(409, "import-running", "An import is already running",
                $"Image '{name}' is being imported right now; wait for that import to finish.");
        }

        try
        {
            var root = ImagesDirectory;
            var final = Path.Combine(root, name);
            if (File.Exists(final))
            {
                throw new ImageImportException(409, "name-in-use", "A file has the image's directory name",
                    $"The images directory holds a file named '{name}' where the chunked image's directory goes; rename or remove it.");
            }

            Directory.CreateDirectory(root);
            var work = Path.Combine(root, $".import-{name}-{Guid.NewGuid():N}");
            try
            {
                ChunkedImportResult built;
                try
                {
                    built = await ChunkedImageBuilder.ImportAsync(source, work,
                        new ChunkedImageOptions { ChunkSize = options.Value.ImportChunkBytes }, progress, ct).ConfigureAwait(false);
                }
                catch (ImageException e)
                {
                    throw e.Kind == ImageErrorKind.Unsupported
                        ? new ImageImportException(501, "unavailable", "Not available on this appliance", e.Message, e)
                        : new ImageImportException(422, "image-unreadable", "The image cannot be read", $"Image '{name}': {e.Message}", e);
                }

                if (expectedSha256 is not null && !string.Equals(built.Index.Sha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
                {
                    throw new ImageImportException(422, "checksum-mismatch", "Checksum mismatch",
                        $"Image '{name}' decompresses to {built.Index.ImageSize} bytes with sha256 {built.Index.Sha256}, but it is registered with " +
                        $"sha256 {expectedSha256.ToLowerInvariant()}: the file is damaged or not the registered image. Nothing was changed.");
                }

                Swap(work, final);
                logger.LogInformation("Imported image {Image} ({SourceFormat}, {Bytes} bytes) into {Chunks} chunks of {ChunkSize} bytes ({DataSize} stored)",
                    name, built.SourceFormat, built.Index.ImageSize, built.Index.Chunks.Count, built.Index.ChunkSize, built.Index.DataSize);
                return new ChunkedImportOutcome($"{name}/{Path.GetFileName(built.IndexPath)}", built.Index, built.IndexSha256, built.SourceFormat);
            }
            finally
            {
                if (Directory.Exists(work))
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        finally
        {
            _running.TryRemove(name, out _);
        }
    }

    // A re-import replaces the whole directory: the old one is moved aside first, so index and data never mix.
    private static void Swap(string work, string final)
    {
        if (!Directory.Exists(final))
        {
            Directory.Move(work, final);
            return;
        }

        var old = work + ".old";
        Directory.Move(final, old);
        Directory.Move(work, final);
        Directory.Delete(old, recursive: true);
    }
}
