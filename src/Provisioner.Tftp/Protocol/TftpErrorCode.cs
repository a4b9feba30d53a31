namespace Provisioner.Tftp.Protocol;

/// <summary>Error codes of the ERROR packet (RFC 1350 appendix; 8 from RFC 2347).</summary>
public enum TftpErrorCode : ushort
{
    /// <summary>Not defined, see the message.</summary>
    NotDefined = 0,

    /// <summary>File not found.</summary>
    FileNotFound = 1,

    /// <summary>Access violation.</summary>
    AccessViolation = 2,

    /// <summary>Disk full or allocation exceeded.</summary>
    DiskFull = 3,

    /// <summary>Illegal TFTP operation.</summary>
    IllegalOperation = 4,

    /// <summary>Unknown transfer ID (a packet from a port that is not the transfer's peer).</summary>
    UnknownTransferId = 5,

    /// <summary>File already exists.</summary>
    FileAlreadyExists = 6,

    /// <summary>No such user.</summary>
    NoSuchUser = 7,

    /// <summary>Option negotiation refused (RFC 2347).</summary>
    OptionNegotiationRefused = 8,
}
