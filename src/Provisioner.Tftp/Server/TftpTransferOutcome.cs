namespace Provisioner.Tftp.Server;

/// <summary>How a request ended.</summary>
public enum TftpTransferOutcome
{
    /// <summary>Every block was acknowledged.</summary>
    Completed,

    /// <summary>No such file (error 1).</summary>
    NotFound,

    /// <summary>Refused: path outside the root, not a regular file, or a write request (error 2).</summary>
    AccessDenied,

    /// <summary>A malformed or unsupported request (error 4).</summary>
    IllegalOperation,

    /// <summary>The server refused the options (error 8).</summary>
    OptionsRefused,

    /// <summary>The client stopped answering; the transfer gave up after its retries.</summary>
    TimedOut,

    /// <summary>The client sent an ERROR packet (it refused the OACK, or gave up).</summary>
    ClientAborted,

    /// <summary>The server could not take the transfer (busy, or a local error).</summary>
    ServerError,

    /// <summary>The server shut down during the transfer.</summary>
    Cancelled,
}
