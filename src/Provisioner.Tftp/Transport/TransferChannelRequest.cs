using System.Net;

namespace Provisioner.Tftp.Transport;

/// <summary>What the server knows when it opens the socket of a new transfer.</summary>
/// <param name="Local">Address to bind, with port 0 (an ephemeral port: the transfer's TID).</param>
/// <param name="WindowSize">The negotiated windowsize (1: lock-step).</param>
/// <param name="ActiveTransfers">Transfers running now, this one included.</param>
public readonly record struct TransferChannelRequest(IPEndPoint Local, int WindowSize, int ActiveTransfers);
