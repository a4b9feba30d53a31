namespace Provisioner.Tftp;

/// <summary>Settings of the TFTP server. Defaults live here and nowhere else.</summary>
public sealed record TftpServerOptions
{
    /// <summary>Largest block size granted (RFC 2348 allows 8..65464). Clients asking for more get this.
    /// A client's request is never exceeded, and the interface MTU (when the host supplies it) caps it too.</summary>
    public int MaxBlockSize { get; init; } = 65464;

    /// <summary>Largest window granted (RFC 7440 allows 1..65535).</summary>
    public int MaxWindowSize { get; init; } = 64;

    /// <summary>Retransmission timeout when the client does not negotiate one (RFC 2349 "timeout").</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest retransmission timeout a client may negotiate (RFC 2349 allows up to 255 s). A larger
    /// request is not acknowledged and the default applies, so a client cannot pin a transfer slot for minutes.</summary>
    public TimeSpan MaxNegotiatedTimeout { get; init; } = TimeSpan.FromSeconds(255);

    /// <summary>Consecutive timeouts after which a transfer is abandoned (the client is gone).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Transfers running at once; further requests are refused with an error until one ends.</summary>
    public int MaxTransfers { get; init; } = 10_000;

    /// <summary>netascii transfers are converted in memory; larger files are refused (error 3).</summary>
    public long MaxNetasciiFileSize { get; init; } = 16 * 1024 * 1024;

    /// <summary>When true (as tftpd-hpa --secure), a leading '/' is taken relative to the root (GRUB sends
    /// such names); when false, such a name is refused as an access violation.</summary>
    public bool AllowLeadingSlash { get; init; } = true;

    /// <summary>Checks the values and throws <see cref="ArgumentOutOfRangeException"/> for a bad one.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBlockSize, 8, nameof(MaxBlockSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBlockSize, 65464, nameof(MaxBlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWindowSize, 1, nameof(MaxWindowSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxWindowSize, 65535, nameof(MaxWindowSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Timeout, TimeSpan.FromMilliseconds(10), nameof(Timeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetries, 0, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTransfers, 1, nameof(MaxTransfers));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNetasciiFileSize, 0, nameof(MaxNetasciiFileSize));
    }
}
