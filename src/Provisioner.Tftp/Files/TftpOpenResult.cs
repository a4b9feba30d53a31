namespace Provisioner.Tftp.Files;

/// <summary>What an <see cref="ITftpFileSource"/> says about a request.</summary>
public enum TftpOpenStatus
{
    /// <summary>The file exists and is open.</summary>
    Found,

    /// <summary>No such file: the client gets error 1.</summary>
    NotFound,

    /// <summary>The file may not be read: the client gets error 2.</summary>
    AccessDenied,
}

/// <summary>The result of <see cref="ITftpFileSource.OpenAsync"/>: an open file, or why there is none.</summary>
public sealed class TftpOpenResult
{
    private static readonly TftpOpenResult s_notFound = new(TftpOpenStatus.NotFound, null, "File not found");

    private TftpOpenResult(TftpOpenStatus status, ITftpFile? file, string? message)
    {
        Status = status;
        File = file;
        Message = message;
    }

    /// <summary>Found, not found, or denied.</summary>
    public TftpOpenStatus Status { get; }

    /// <summary>The open file when <see cref="Status"/> is <see cref="TftpOpenStatus.Found"/>; the transfer disposes it.</summary>
    public ITftpFile? File { get; }

    /// <summary>Text for the ERROR packet when not found or denied (kept vague: no server paths).</summary>
    public string? Message { get; }

    /// <summary>An open file.</summary>
    public static TftpOpenResult Found(ITftpFile file) => new(TftpOpenStatus.Found, file ?? throw new ArgumentNullException(nameof(file)), null);

    /// <summary>In-memory content (a rendered file).</summary>
    public static TftpOpenResult Found(ReadOnlyMemory<byte> content) => new(TftpOpenStatus.Found, new MemoryTftpFile(content), null);

    /// <summary>No such file.</summary>
    public static TftpOpenResult NotFound(string? message = null) => message is null ? s_notFound : new(TftpOpenStatus.NotFound, null, message);

    /// <summary>Reading is not allowed.</summary>
    public static TftpOpenResult AccessDenied(string? message = null) => new(TftpOpenStatus.AccessDenied, null, message ?? "Access violation");
}
