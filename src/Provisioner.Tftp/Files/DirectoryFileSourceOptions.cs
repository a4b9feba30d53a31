namespace Provisioner.Tftp.Files;

/// <summary>Settings of <see cref="DirectoryFileSource"/>.</summary>
public sealed record DirectoryFileSourceOptions
{
    /// <summary>The directory served (e.g. "pxe/"). Nothing outside it is ever read, symlinks included.</summary>
    public required string Root { get; init; }

    /// <summary>Look names up ignoring case when the exact name does not exist (firmware that upper-cases names).</summary>
    public bool CaseInsensitive { get; init; }

    /// <summary>Memory for cached files; 0 turns the cache off. Hot boot files (loaders, kernels, initrds) are read once.</summary>
    public long CacheSizeBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Files larger than this are streamed from disk instead of cached.</summary>
    public long MaxCachedFileBytes { get; init; } = 64L * 1024 * 1024;
}
