namespace Provisioner.Imaging;

/// <summary>What to deploy: where the image is, how it is stored and what its raw bytes must hash to.</summary>
/// <param name="Url">The image (raw/gzip/zstd/xz) or, for <see cref="ImageFormat.Chunked"/>, the chunk data file.
/// May be a relative URL when <paramref name="IndexUrl"/> is absolute: it is then resolved against the index.</param>
/// <param name="Format">Storage format; <see cref="ImageFormat.Auto"/> sniffs magic bytes.</param>
/// <param name="Sha256">Hex SHA-256 of the raw, uncompressed image. Required: nothing is reported done unverified.</param>
/// <param name="Size">Raw image size in bytes when known (checked against the target and the stream).</param>
/// <param name="IndexUrl">Chunked images: the index (index.json). When set and <paramref name="Url"/> is null the data
/// file named by the index is fetched next to it.</param>
/// <param name="IndexSha256">Chunked images: hex SHA-256 of the index file itself, binding every chunk digest.</param>
public sealed record ImageSpec(
    Uri? Url,
    ImageFormat Format,
    string Sha256,
    long? Size = null,
    Uri? IndexUrl = null,
    string? IndexSha256 = null);
