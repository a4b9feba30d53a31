using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;
using Provisioner.Imaging;
using ImageFormat = Provisioner.Core.Inventory.ImageFormat;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>
/// /api/v1/images: register an image stored elsewhere, upload one (sha256 verified while streaming to disk), and import one
/// into the chunked format (progress as Server-Sent Events when the client accepts text/event-stream).
/// </summary>
public static class ImageEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var images = api.MapGroup("/images").WithTags("Images");
        images.MapGet("/", List).WithName("ListImages");
        images.MapGet("/{image}", Get).WithName("GetImage");
        images.MapPost("/", Register).WithName("RegisterImage").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        images.MapPut("/{name}/content", Upload).WithName("UploadImage").RequireAuthorization(ProvisionerClaims.AdminPolicy)
            .Accepts<Stream>("application/octet-stream").Produces<ImageDto>(201).Produces<ImageImportDto>(201)
            .Produces(200, contentType: "text/event-stream");
        images.MapPost("/{name}/import", Import).WithName("ImportImage").RequireAuthorization(ProvisionerClaims.AdminPolicy)
            .Produces<ImageImportDto>(200).Produces(200, contentType: "text/event-stream");
        images.MapDelete("/{image}", Delete).WithName("DeleteImage").RequireAuthorization(ProvisionerClaims.AdminPolicy);
    }

    private static async Task<Ok<PagedResponse<ImageDto>>> List(IImageRepository repo, string? search, int? offset, int? limit, CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        var all = (await repo.ListAsync(ct)).Where(i => search is null || i.Name.Contains(search, StringComparison.OrdinalIgnoreCase));
        return TypedResults.Ok(PageQuery.Slice(all, page, ImageDto.From));
    }

    private static async Task<Ok<ImageDto>> Get(string image, IImageRepository repo, CancellationToken ct) =>
        TypedResults.Ok(ImageDto.From(await Resolve(repo, image, ct)));

    private static async Task<Image> Resolve(IImageRepository repo, string image, CancellationToken ct) =>
        (Guid.TryParse(image, out var id) ? await repo.GetAsync(id, ct) : await repo.FindByNameAsync(image, ct))
        ?? throw new ApiNotFoundException($"No image '{image}'.");

    private static async Task<Created<ImageDto>> Register(ImageRequest request, IImageRepository repo, IAuditLog audit, TimeProvider time,
        HttpContext http, CancellationToken ct)
    {
        var e = new ValidationErrors();
        if (ApiValidation.InvalidImageName(request.Name) is { } nameProblem)
        {
            e.Add("name", nameProblem);
        }

        var format = ImageFormat.Raw;
        if (request.Format is not null && !ApiNames.TryParse(request.Format, out format))
        {
            e.Add("format", $"Use one of: {string.Join(", ", ApiNames.All<ImageFormat>())}.");
        }

        if (!IsSha256(request.Sha256))
        {
            e.Add("sha256", "Give the lower-case hex sha256 (64 characters) of the raw disk image.");
        }

        if (string.IsNullOrWhiteSpace(request.Location)
            || !(request.Location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || request.Location.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                 || (!request.Location.Contains("..", StringComparison.Ordinal) && !Path.IsPathRooted(request.Location))))
        {
            e.Add("location", "Give an http(s) URL, or a path relative to the images directory (no '..').");
        }

        if (request.SizeBytes is < 0)
        {
            e.Add("sizeBytes", "The size cannot be negative.");
        }

        e.ThrowIfAny();
        var image = new Image
        {
            Id = Guid.NewGuid(),
            Name = request.Name!,
            Format = format,
            SizeBytes = request.SizeBytes ?? 0,
            Sha256 = request.Sha256!.ToLowerInvariant(),
            Location = request.Location!,
            Description = request.Description,
            CreatedAt = time.GetUtcNow(),
        };
        await repo.AddAsync(image, ct);
        await audit.RecordAsync(http, "image.register", "image", image.Id.ToString(), image.Name);
        return TypedResults.Created($"/api/v1/images/{image.Id}", ImageDto.From(image));
    }

    /// <summary>
    /// PUT /images/{name}/content?sha256=HEX[&amp;format=raw|raw-gzip|...][&amp;rawSha256=HEX][&amp;import=chunked]: streams the body
    /// to a temporary file in the images directory, hashing as it goes; a digest mismatch deletes the file and answers 400.
    /// Then either the importer keeps it (NAME.img, .img.gz, ...), or with import=chunked it is converted into NAME/ and
    /// the upload itself is dropped; rawSha256, when given, is then checked by the import, else the import's digest is kept.
    /// </summary>
    private static async Task<IResult> Upload(string name, string? sha256, string? format, string? rawSha256, string? description, string? import,
        HttpContext http, IImageRepository repo, IImageImporter importer, ChunkedImageImport chunked, IOptions<ApiOptions> options, IAuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        var e = new ValidationErrors();
        if (ApiValidation.InvalidImageName(name) is { } nameProblem)
        {
            e.Add("name", nameProblem);
        }

        if (!IsSha256(sha256))
        {
            e.Add("sha256", "Give ?sha256= with the lower-case hex sha256 of the bytes you upload (sha256sum FILE); the upload is refused if it differs.");
        }

        var imageFormat = ImageFormat.Raw;
        if (format is not null && !ApiNames.TryParse(format, out imageFormat))
        {
            e.Add("format", $"Use one of: {string.Join(", ", ApiNames.All<ImageFormat>())}.");
        }
        else if (imageFormat == ImageFormat.Chunked)
        {
            e.Add("format", "Upload the image itself (raw, raw-gzip, raw-zstd or raw-xz) with import=chunked: the appliance makes the chunks.");
        }

        // Imported, a compressed upload's raw digest can be computed from the verified bytes; kept as is, it must be given.
        if (imageFormat != ImageFormat.Raw && (rawSha256 is not null || import is null) && !IsSha256(rawSha256))
        {
            e.Add("rawSha256", "A compressed upload also needs ?rawSha256= (the sha256 of the uncompressed disk image), unless it is imported (import=chunked).");
        }

        if (import is not null && import != "chunked")
        {
            e.Add("import", "Use import=chunked, or leave it out to keep the file as uploaded.");
        }

        e.ThrowIfAny();
        if (await repo.FindByNameAsync(name, ct) is not null)
        {
            throw new Core.Persistence.DuplicateException($"An image named '{name}' already exists; delete it first or pick another name.");
        }

        var limit = options.Value.MaxImageUploadBytes;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var dir = Path.GetFullPath(options.Value.ImagesDirectory);
        Directory.CreateDirectory(dir);
        var fileName = name + Extension(imageFormat);
        var tempPath = Path.Combine(dir, $".{fileName}.upload-{Guid.NewGuid():N}");
        long size = 0;
        string actual;
        try
        {
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            await using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true))
            {
                var buffer = new byte[1 << 20];
                int read;
                while ((read = await http.Request.Body.ReadAsync(buffer, ct)) > 0)
                {
                    size += read;
                    if (size > limit)
                    {
                        throw ApiValidationException.For("body", $"The upload exceeds the limit of {limit} bytes (Api:MaxImageUploadBytes).");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }

                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(tempPath);
                return TypedResults.Problem(
                    $"The uploaded bytes have sha256 {actual}, not {sha256!.ToLowerInvariant()}: the file was damaged in transit or the digest is of another file. Nothing was kept.",
                    statusCode: 400, title: "Checksum mismatch", type: ApiExceptionFilter.ProblemBase + "checksum-mismatch");
            }

            if (import is null)
            {
                File.Move(tempPath, Path.Combine(dir, fileName), overwrite: true);
            }
        }
        catch
        {
            File.Delete(tempPath);
            throw;
        }

        var uploaded = new Image
        {
            Id = Guid.NewGuid(),
            Name = name,
            Format = imageFormat,
            SizeBytes = imageFormat == ImageFormat.Raw ? size : 0,
            Sha256 = (imageFormat == ImageFormat.Raw ? actual : rawSha256 ?? "").ToLowerInvariant(),
            // Relative to the images directory: the boot file and agent endpoints serve it from there.
            Location = fileName,
            Description = description,
            CreatedAt = time.GetUtcNow(),
        };
        if (import is not null)
        {
            return await RunImportAsync(http, StatusCodes.Status201Created, uploaded.SizeBytes, async (progress, token) =>
            {
                ChunkedImportOutcome outcome;
                try
                {
                    outcome = await chunked.ImportAsync(name, tempPath, rawSha256 ?? (imageFormat == ImageFormat.Raw ? actual : null), progress, token);
                }
                finally
                {
                    File.Delete(tempPath);
                }

                var image = uploaded with { Format = ImageFormat.Chunked, SizeBytes = outcome.Index.ImageSize, Sha256 = outcome.Index.Sha256, Location = outcome.Location };
                await repo.AddAsync(image, token);
                await audit.RecordAsync(http, "image.upload", "image", image.Id.ToString(),
                    $"{name}: {size} bytes, sha256 {actual}, imported into {outcome.Index.Chunks.Count} chunks");
                return ImportDto(image, outcome);
            }, ct);
        }

        var image = await importer.ImportAsync(uploaded, ct);
        await repo.AddAsync(image, ct);
        await audit.RecordAsync(http, "image.upload", "image", image.Id.ToString(), $"{name}: {size} bytes, sha256 {actual}");
        return TypedResults.Created($"/api/v1/images/{image.Id}", ImageDto.From(image));
    }

    /// <summary>
    /// POST /images/{name}/import: converts a registered image whose file is in the images directory (any format) into the
    /// chunked format in NAME/, checks its raw sha256 against the registered one (422 when it differs, nothing changed),
    /// then points the image at NAME/index.json. The original file is left in place.
    /// </summary>
    private static async Task<IResult> Import(string name, HttpContext http, IImageRepository repo, ChunkedImageImport chunked, IAuditLog audit,
        CancellationToken ct)
    {
        if (ApiValidation.InvalidImageName(name) is { } nameProblem)
        {
            throw ApiValidationException.For("name", nameProblem);
        }

        var image = await repo.FindByNameAsync(name, ct) ?? throw new ApiNotFoundException($"No image '{name}'.");
        if (image.Format == ImageFormat.Chunked)
        {
            throw new ImageImportException(409, "already-chunked", "The image is already chunked", $"Image '{image.Name}' is already in the chunked format ({image.Location}).");
        }

        var source = chunked.SourceFileOf(image);
        return await RunImportAsync(http, StatusCodes.Status200OK, image.SizeBytes, async (progress, token) =>
        {
            var outcome = await chunked.ImportAsync(image.Name, source, image.Sha256, progress, token);
            var updated = image with { Format = ImageFormat.Chunked, SizeBytes = outcome.Index.ImageSize, Location = outcome.Location };
            await repo.UpdateAsync(updated, token);
            await audit.RecordAsync(http, "image.import", "image", image.Id.ToString(),
                $"{image.Name}: {ApiNames.Of(image.Format)} {image.Location} -> chunked {outcome.Location} ({outcome.Index.Chunks.Count} chunks)");
            return ImportDto(updated, outcome);
        }, ct);
    }

    /// <summary>
    /// Runs an import and answers its result as JSON, or, when the client accepts text/event-stream, as Server-Sent Events:
    /// "progress" samples, then "done" (the result) or "error" (problem details: the status line was already sent).
    /// </summary>
    private static async Task<IResult> RunImportAsync(HttpContext http, int status, long knownSize,
        Func<IProgress<ImageProgress>?, CancellationToken, Task<ImageImportDto>> run, CancellationToken ct)
    {
        if (!http.Request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true))
        {
            var result = await run(null, ct);
            return status == StatusCodes.Status201Created
                ? TypedResults.Created($"/api/v1/images/{result.Image.Id}", result)
                : TypedResults.Ok(result);
        }

        var events = Channel.CreateUnbounded<(string, object)>(new UnboundedChannelOptions { SingleReader = true });
        var progress = new EventProgress(events.Writer, knownSize > 0 ? knownSize : null);
        var import = Task.Run(async () =>
        {
            try
            {
                events.Writer.TryWrite(("done", await run(progress, ct)));
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                events.Writer.TryWrite(("error", ProblemOf(http, e)));
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }, CancellationToken.None);
        http.Response.StatusCode = status;
        await ServerSentEvents.WriteAsync(http, events.Reader.ReadAllAsync(ct), ct);
        await import.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return Results.Empty;
    }

    private static ProblemDetails ProblemOf(HttpContext http, Exception e)
    {
        var (status, type, title, detail) = e switch
        {
            ImageImportException i => (i.Status, i.Type, i.Title, i.Message),
            Core.Persistence.DuplicateException d => (409, "duplicate", "It already exists", d.Message),
            KeyNotFoundException k => (404, "not-found", "Not found", k.Message),
            _ => (500, "internal", "Internal error", "The import failed unexpectedly; the appliance log has the details (search for the trace id)."),
        };
        if (status == 500)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ImageEndpoints)).LogError(e, "Image import failed: {Error}", e.Message);
        }

        return new ProblemDetails { Status = status, Type = ApiExceptionFilter.ProblemBase + type, Title = title, Detail = detail };
    }

    private static ImageImportDto ImportDto(Image image, ChunkedImportOutcome outcome) => new(
        ImageDto.From(image),
        outcome.SourceFormat switch
        {
            Imaging.ImageFormat.Gzip => ApiNames.Of(ImageFormat.RawGzip),
            Imaging.ImageFormat.Zstd => ApiNames.Of(ImageFormat.RawZstd),
            Imaging.ImageFormat.Xz => ApiNames.Of(ImageFormat.RawXz),
            _ => ApiNames.Of(ImageFormat.Raw),
        },
        outcome.Index.ChunkSize,
        outcome.Index.Chunks.Count,
        outcome.Index.Chunks.Count(c => c.Zero),
        outcome.Index.DataSize,
        outcome.Index.Compression.ToString().ToLowerInvariant(),
        outcome.IndexSha256);

    /// <summary>Import progress as "progress" events (the builder samples once a second, and once at the end).</summary>
    private sealed class EventProgress(ChannelWriter<(string, object)> events, long? knownSize) : IProgress<ImageProgress>
    {
        public void Report(ImageProgress value)
        {
            var total = value.TotalBytes ?? knownSize;
            var percent = total is > 0 ? Math.Min(100, 100.0 * value.BytesDone / total.Value) : (double?)null;
            events.TryWrite(("progress", new ImageImportProgressDto(value.Phase.ToString().ToLowerInvariant(), value.BytesDone, total, percent,
                value.ChunksDone, value.TransferredBytes, value.BytesPerSecond)));
        }
    }

    private static async Task<NoContent> Delete(string image, IImageRepository repo, INodeRepository nodes, IOptions<ApiOptions> options,
        IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var found = await Resolve(repo, image, ct);
        var writing = await NodesDeployingAsync(nodes, found.Name, ct);
        if (writing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Image '{found.Name}' is being written to {string.Join(", ", writing)} right now; wait for those deployments to end, then delete it.");
        }

        await repo.DeleteAsync(found.Id, ct);
        // The record goes first: a file left behind by a failed delete is harmless, a record without its file is not.
        var removed = LocalImageFiles.Delete(found, options.Value.ImagesDirectory);
        await audit.RecordAsync(http, "image.delete", "image", found.Id.ToString(), removed is null ? found.Name : $"{found.Name} ({removed} removed)");
        return TypedResults.NoContent();
    }

    private static async Task<List<string>> NodesDeployingAsync(INodeRepository nodes, string imageName, CancellationToken ct)
    {
        var hostnames = new List<string>();
        for (var offset = 0; ; offset += PageRequest.MaxLimit)
        {
            var page = await nodes.ListAsync(new NodeQuery { State = NodeState.Deploying, Page = new PageRequest(offset, PageRequest.MaxLimit) }, ct);
            hostnames.AddRange(page.Items.Where(n => string.Equals(n.Deploy.Image, imageName, StringComparison.OrdinalIgnoreCase)).Select(n => n.Hostname));
            if (page.Items.Count < PageRequest.MaxLimit)
            {
                return hostnames;
            }
        }
    }

    private static bool IsSha256(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigit);

    private static string Extension(ImageFormat format) => format switch
    {
        ImageFormat.RawGzip => ".img.gz",
        ImageFormat.RawZstd => ".img.zst",
        ImageFormat.RawXz => ".img.xz",
        ImageFormat.Chunked => ".chunked",
        _ => ".img",
    };
}
