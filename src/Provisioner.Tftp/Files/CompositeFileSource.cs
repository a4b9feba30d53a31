using System.Net;

namespace Provisioner.Tftp.Files;

/// <summary>Asks several sources in order: the first that finds the file (or denies it) answers.
/// Put per-node virtual files before the directory so they can shadow a static file.</summary>
public sealed class CompositeFileSource : ITftpFileSource
{
    private readonly ITftpFileSource[] _sources;

    /// <summary>Sources in the order they are asked.</summary>
    public CompositeFileSource(params ITftpFileSource[] sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = sources;
    }

    /// <inheritdoc/>
    public async ValueTask<TftpOpenResult> OpenAsync(string normalizedPath, IPEndPoint client, CancellationToken cancellationToken)
    {
        TftpOpenResult? last = null;
        foreach (var source in _sources)
        {
            last = await source.OpenAsync(normalizedPath, client, cancellationToken).ConfigureAwait(false);
            if (last.Status != TftpOpenStatus.NotFound)
            {
                return last;
            }
        }

        return last ?? TftpOpenResult.NotFound();
    }
}
