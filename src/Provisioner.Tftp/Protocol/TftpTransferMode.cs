namespace Provisioner.Tftp.Protocol;

/// <summary>Transfer modes of a request (RFC 1350 §5). "mail" is obsolete and refused.</summary>
public enum TftpTransferMode
{
    /// <summary>Raw 8-bit bytes.</summary>
    Octet,

    /// <summary>Text: line ends sent as CR LF, a bare CR as CR NUL (RFC 764).</summary>
    Netascii,

    /// <summary>Obsolete mail mode, or a mode nobody knows.</summary>
    Unsupported,
}
