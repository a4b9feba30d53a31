using Provisioner.Tftp.Files;

namespace Provisioner.Tftp.Protocol;

/// <summary>netascii (RFC 764, as RFC 1350 uses it): LF becomes CR LF and a bare CR becomes CR NUL.</summary>
public static class NetasciiEncoder
{
    /// <summary>Length of <paramref name="source"/> once encoded.</summary>
    public static long EncodedLength(ReadOnlySpan<byte> source)
    {
        long extra = 0;
        foreach (var b in source)
        {
            if (b is (byte)'\n' or (byte)'\r')
            {
                extra++;
            }
        }

        return source.Length + extra;
    }

    /// <summary>Encodes <paramref name="source"/>.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> source)
    {
        var result = new byte[EncodedLength(source)];
        var at = 0;
        foreach (var b in source)
        {
            switch (b)
            {
                case (byte)'\n':
                    result[at++] = (byte)'\r';
                    result[at++] = (byte)'\n';
                    break;
                case (byte)'\r':
                    result[at++] = (byte)'\r';
                    result[at++] = 0;
                    break;
                default:
                    result[at++] = b;
                    break;
            }
        }

        return result;
    }

    /// <summary>Reads all of <paramref name="file"/> and encodes it.</summary>
    public static async ValueTask<byte[]> EncodeAsync(ITftpFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var raw = new byte[file.Length];
        var at = 0;
        while (at < raw.Length)
        {
            var n = await file.ReadAsync(at, raw.AsMemory(at), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            at += n;
        }

        return Encode(raw.AsSpan(0, at));
    }
}
