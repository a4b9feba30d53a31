using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/images: register an image stored elsewhere, or upload one (sha256 verified while streaming to disk).</summary>
public static class ImageEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var images = api.MapGroup("/images").WithTags("Images");
        images.MapGet("/", List).WithName("ListImages");
        images.MapGet("/{image}", Get).WithName("GetImage");
        images.MapPost("/", Register).WithName("RegisterImage").RequireAuthorization(ProvisionerClaims.AdminPolicy);
        images.MapPut("/{name}/content", Upload).WithName("UploadImage").RequireAuthorization(ProvisionerClaims.AdminPolicy)
            .Accepts<Stream>("application/octet-stream");
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
        if (ApiValidation.InvalidName(request.Name) is { } nameProblem)
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
    /// PUT /images/{name}/content?sha256=HEX[&amp;format=raw|raw-gzip|...][&amp;rawSha256=HEX]: streams the body to a temporary file,
    /// hashing as it goes; a digest mismatch deletes the file and answers 400. The importer then converts it.
    /// </summary>
    private static async Task<Results<Created<ImageDto>, ProblemHttpResult>> Upload(string name, string? sha256, string? format, string? rawSha256,
        string? description, HttpContext http, IImageRepository repo, IImageImporter importer, IOptions<ApiOptions> options, IAuditLog audit,
        TimeProvider time, CancellationToken ct)
    {
        var e = new ValidationErrors();
        if (ApiValidation.InvalidName(name) is { } nameProblem)
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

        if (imageFormat != ImageFormat.Raw && !IsSha256(rawSha256))
        {
            e.Add("rawSha256", "A compressed upload also needs ?rawSha256= (the sha256 of the uncompressed disk image).");
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
        var finalPath = Path.Combine(dir, name + Extension(imageFormat));
        var tempPath = finalPath + ".upload-" + Guid.NewGuid().ToString("N");
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

            File.Move(tempPath, finalPath, overwrite: true);
        }
        catch
        {
            if (File.Exists(tempPath))
            {
                File.Delete(tempPath);
            }

            throw;
        }

        var uploaded = new Image
        {
            Id = Guid.NewGuid(),
            Name = name,
            Format = imageFormat,
            SizeBytes = imageFormat == ImageFormat.Raw ? size : 0,
            Sha256 = (imageFormat == ImageFormat.Raw ? actual : rawSha256!).ToLowerInvariant(),
            Location = finalPath,
            Description = description,
            CreatedAt = time.GetUtcNow(),
        };
        var image = await importer.ImportAsync(uploaded, ct);
        await repo.AddAsync(image, ct);
        await audit.RecordAsync(http, "image.upload", "image", image.Id.ToString(), $"{name}: {size} bytes, sha256 {actual}");
        return TypedResults.Created($"/api/v1/images/{image.Id}", ImageDto.From(image));
    }

    private static async Task<NoContent> Delete(string image, IImageRepository repo, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        var found = await Resolve(repo, image, ct);
        await repo.DeleteAsync(found.Id, ct);
        await audit.RecordAsync(http, "image.delete", "image", found.Id.ToString(), found.Name);
        return TypedResults.NoContent();
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
