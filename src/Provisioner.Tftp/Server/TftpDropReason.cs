namespace Provisioner.Tftp.Server;

/// <summary>Why a datagram was dropped (or answered with an error instead of served). Counted per reason.</summary>
public enum TftpDropReason
{
    /// <summary>Shorter than an opcode, or a request without its NUL terminators.</summary>
    Malformed,

    /// <summary>An opcode TFTP does not define (answered with error 4).</summary>
    UnknownOpcode,

    /// <summary>DATA, ACK, ERROR or OACK sent to the listening port, where only requests belong.</summary>
    NotARequest,

    /// <summary>A request from port 0 or a broadcast/multicast address: never answered.</summary>
    InvalidSource,

    /// <summary>A packet on a transfer port from an address or port that is not the transfer's peer (answered with error 5).</summary>
    UnknownTransferId,

    /// <summary>An ACK for a block not yet sent.</summary>
    AckForUnsentBlock,

    /// <summary>An ACK already seen: ignored, so that it never triggers a duplicate burst (Sorcerer's Apprentice).</summary>
    DuplicateAck,

    /// <summary>A packet on a transfer port that is neither an ACK nor an ERROR.</summary>
    UnexpectedOnTransfer,

    /// <summary>A request repeated by a client whose transfer is already running.</summary>
    DuplicateRequest,

    /// <summary>A request refused because the server runs its maximum of transfers.</summary>
    ServerBusy,
}
