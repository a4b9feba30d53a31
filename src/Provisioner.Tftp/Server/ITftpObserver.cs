using System.Net;

namespace Provisioner.Tftp.Server;

/// <summary>Receives transfer events, e.g. for a node's boot timeline. Calls come from transfer tasks,
/// concurrently; implementations must be quick and thread-safe (queue the work, do not block).</summary>
public interface ITftpObserver
{
    /// <summary>A transfer was accepted and starts: the file was found and the options negotiated.</summary>
    void TransferStarted(IPEndPoint client, string path, long fileSize);

    /// <summary>A request ended, successfully or not (refused requests included).</summary>
    void TransferEnded(TftpTransferRecord transfer);
}
