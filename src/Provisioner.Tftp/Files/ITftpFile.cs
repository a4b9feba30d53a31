namespace Provisioner.Tftp.Files;

/// <summary>An open file a transfer reads blocks from. Reads are positional, so a window can be
/// sent again from any block without reopening.</summary>
public interface ITftpFile : IDisposable
{
    /// <summary>Length in bytes.</summary>
    long Length { get; }

    /// <summary>Copies bytes starting at <paramref name="offset"/> into <paramref name="destination"/> and
    /// returns how many were copied (less than asked only at the end of the file).</summary>
    ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);
}
