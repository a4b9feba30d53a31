using System.Net;

namespace Provisioner.Tftp.Files;

/// <summary>Renders files per request, e.g. a per-MAC iPXE script or a GRUB/pxelinux config from a template.
/// The renderer returns the content, or null when it has no such file (the next source is asked).</summary>
public sealed class VirtualFileSource : ITftpFileSource
{
    private readonly Func<string, IPEndPoint, CancellationToken, ValueTask<ReadOnlyMemory<byte>?>> _render;

    /// <summary>Uses <paramref name="render"/> (path, client, token) to produce content or null.</summary>
    public VirtualFileSource(Func<string, IPEndPoint, CancellationToken, ValueTask<ReadOnlyMemory<byte>?>> render)
    {
        _render = render ?? throw new ArgumentNullException(nameof(render));
    }

    /// <inheritdoc/>
    public async ValueTask<TftpOpenResult> OpenAsync(string normalizedPath, IPEndPoint client, CancellationToken cancellationToken)
    {
        var content = await _render(normalizedPath, client, cancellationToken).ConfigureAwait(false);
        return content is { } c ? TftpOpenResult.Found(c) : TftpOpenResult.NotFound();
    }
}
