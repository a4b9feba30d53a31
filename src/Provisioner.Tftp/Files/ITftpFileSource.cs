using System.Net;

namespace Provisioner.Tftp.Files;

/// <summary>
/// Where the server gets files: the only thing it asks of the outside world. The path has already been
/// normalised and checked by the server (<see cref="TftpPath"/>): relative, '/'-separated, no '.' or '..'
/// segments, no control characters. The client's address lets the answer depend on the node.
/// </summary>
public interface ITftpFileSource
{
    /// <summary>Opens <paramref name="normalizedPath"/> for <paramref name="client"/>.</summary>
    ValueTask<TftpOpenResult> OpenAsync(string normalizedPath, IPEndPoint client, CancellationToken cancellationToken);
}
