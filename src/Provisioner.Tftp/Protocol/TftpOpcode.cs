namespace Provisioner.Tftp.Protocol;

/// <summary>TFTP packet types (RFC 1350 §5; OACK from RFC 2347).</summary>
public enum TftpOpcode : ushort
{
    /// <summary>Read request (RRQ).</summary>
    ReadRequest = 1,

    /// <summary>Write request (WRQ): always refused by this read-only server.</summary>
    WriteRequest = 2,

    /// <summary>A data block.</summary>
    Data = 3,

    /// <summary>Acknowledgement of a data block (or of an OACK, as block 0).</summary>
    Ack = 4,

    /// <summary>Error: terminates the transfer.</summary>
    Error = 5,

    /// <summary>Option acknowledgement (RFC 2347).</summary>
    OptionAck = 6,
}
