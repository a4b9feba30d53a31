namespace Provisioner.Imaging;

/// <summary>How an image is stored on the image server.</summary>
public enum ImageFormat
{
    /// <summary>Not stated: the deployer sniffs the first bytes (<see cref="ImageFormatDetector"/>).</summary>
    Auto = 0,
    /// <summary>The raw disk, byte for byte.</summary>
    Raw = 1,
    /// <summary>gzip (RFC 1952), one or more members.</summary>
    Gzip = 2,
    /// <summary>zstd (RFC 8878), one or more frames.</summary>
    Zstd = 3,
    /// <summary>.xz container (LZMA2).</summary>
    Xz = 4,
    /// <summary>Our chunked format: a data file of independent compressed chunks plus a JSON index (docs/imaging.md).</summary>
    Chunked = 5,
}
