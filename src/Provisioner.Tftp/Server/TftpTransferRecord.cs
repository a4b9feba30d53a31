using System.Net;

namespace Provisioner.Tftp.Server;

/// <summary>One request and how it went: the entry of a node's boot timeline.</summary>
/// <param name="Client">The client's address and port.</param>
/// <param name="FileName">The file name as requested.</param>
/// <param name="Path">The normalised path, when it could be normalised.</param>
/// <param name="FileSize">The size of the file served, when it was found.</param>
/// <param name="BytesSent">Payload bytes sent (retransmissions not counted twice).</param>
/// <param name="BlockSize">Negotiated block size (0 if the transfer never started).</param>
/// <param name="WindowSize">Negotiated window size (0 if the transfer never started).</param>
/// <param name="StartedAt">When the request arrived.</param>
/// <param name="Duration">From the request to the last ACK, or to the failure.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Retransmissions">Packets sent again after a timeout.</param>
/// <param name="Detail">The error message sent or received, if any.</param>
public sealed record TftpTransferRecord(
    IPEndPoint Client,
    string FileName,
    string? Path,
    long? FileSize,
    long BytesSent,
    int BlockSize,
    int WindowSize,
    DateTimeOffset StartedAt,
    TimeSpan Duration,
    TftpTransferOutcome Outcome,
    long Retransmissions,
    string? Detail);
