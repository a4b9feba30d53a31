namespace Provisioner.Tftp.Files;

/// <summary>
/// Turns a requested file name into a safe relative path, or refuses it. Every source sees only
/// normalised paths, so a virtual source cannot be tricked by "..", and neither can the directory.
/// </summary>
public static class TftpPath
{
    /// <summary>Longest file name accepted (PATH_MAX is 4096; no boot file needs more than this).</summary>
    public const int MaxLength = 1024;

    /// <summary>
    /// Normalises <paramref name="fileName"/>: backslashes (Windows-style clients) become '/', empty and '.'
    /// segments go. Refused: "..", control characters (NUL included), drive letters, names longer than
    /// <see cref="MaxLength"/>, and a leading '/' unless <paramref name="allowLeadingSlash"/> (then it is taken
    /// relative to the root, as tftpd-hpa --secure does).
    /// </summary>
    /// <returns>The path ("dir/file"), or null with <paramref name="refusal"/> saying why.</returns>
    public static string? Normalize(string fileName, bool allowLeadingSlash, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        refusal = null;
        if (fileName.Length > MaxLength)
        {
            refusal = "file name too long";
            return null;
        }

        foreach (var c in fileName)
        {
            if (c < 0x20 || c == 0x7f)
            {
                refusal = "control character in file name";
                return null;
            }
        }

        var name = fileName.Replace('\\', '/');
        if (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0]))
        {
            refusal = "drive letters are not allowed";
            return null;
        }

        if (name.StartsWith('/'))
        {
            if (!allowLeadingSlash)
            {
                refusal = "absolute paths are not allowed";
                return null;
            }

            name = name.TrimStart('/');
        }

        var segments = new List<string>();
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                refusal = "'..' is not allowed";
                return null;
            }

            segments.Add(segment);
        }

        if (segments.Count == 0)
        {
            refusal = "no file name";
            return null;
        }

        return string.Join('/', segments);
    }
}
