namespace Provisioner.Core.Inventory;

/// <summary>Wire/storage format of an OS image.</summary>
public enum ImageFormat
{
    Raw = 1,
    RawGzip = 2,
    RawZstd = 3,
    RawXz = 4,

    /// <summary>The appliance's chunked format: independent compressed chunks + an index with per-chunk sha256.</summary>
    Chunked = 5,
}

/// <summary>A deployable OS disk image. <see cref="Sha256"/> is the digest of the raw (uncompressed) disk.</summary>
public sealed record Image
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    public required ImageFormat Format { get; init; }

    /// <summary>Size of the raw (uncompressed) disk image in bytes.</summary>
    public long SizeBytes { get; init; }

    /// <summary>Lower-case hex sha256 of the raw disk image.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Where the appliance serves it from: a path under the images directory, or an http(s) URL.</summary>
    public required string Location { get; init; }

    public string? Description { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
