namespace Provisioner.Imaging;

/// <summary>Why a deploy or import failed.</summary>
public enum ImageErrorKind
{
    /// <summary>The server answered with an error status or a malformed range.</summary>
    Http,
    /// <summary>The network failed and retries were exhausted.</summary>
    Network,
    /// <summary>The image ended before its stated size or inside a compressed frame.</summary>
    Truncated,
    /// <summary>Compressed data or a chunk does not decompress.</summary>
    Corrupt,
    /// <summary>A digest (chunk, index or whole image) differs from the expected one.</summary>
    DigestMismatch,
    /// <summary>The target is smaller than the image.</summary>
    TargetTooSmall,
    /// <summary>The target disappeared or failed I/O mid-write.</summary>
    TargetFailed,
    /// <summary>The index is malformed or of an unknown version, or the spec is inconsistent.</summary>
    InvalidImage,
    /// <summary>A native library (libzstd, liblzma) needed for this format is missing.</summary>
    Unsupported,
}

/// <summary>A deploy/import failure with what failed and where; nothing was reported as done.</summary>
public sealed class ImageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ImageException(ImageErrorKind kind, string message, Exception? inner = null, long? offset = null, int? chunk = null)
        : base(message, inner)
    {
        Kind = kind;
        Offset = offset;
        Chunk = chunk;
    }

    /// <summary>Creates an exception of kind <see cref="ImageErrorKind.InvalidImage"/>.</summary>
    public ImageException() : this(ImageErrorKind.InvalidImage, "invalid image") { }

    /// <summary>Creates an exception of kind <see cref="ImageErrorKind.InvalidImage"/>.</summary>
    public ImageException(string message) : this(ImageErrorKind.InvalidImage, message) { }

    /// <summary>Creates an exception of kind <see cref="ImageErrorKind.InvalidImage"/>.</summary>
    public ImageException(string message, Exception inner) : this(ImageErrorKind.InvalidImage, message, inner) { }

    /// <summary>The failure class (retry decisions, API error codes).</summary>
    public ImageErrorKind Kind { get; }

    /// <summary>Raw (or, for stream errors, compressed) byte offset where it failed, when known.</summary>
    public long? Offset { get; }

    /// <summary>Chunk number, for chunked images.</summary>
    public int? Chunk { get; }
}
