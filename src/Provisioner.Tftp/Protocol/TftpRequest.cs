namespace Provisioner.Tftp.Protocol;

/// <summary>One option of a request, as the client sent it (name lower-cased, value verbatim).</summary>
public readonly record struct TftpOption(string Name, string Value);

/// <summary>A parsed RRQ or WRQ (RFC 1350 §5, options per RFC 2347).</summary>
/// <param name="Opcode">RRQ or WRQ.</param>
/// <param name="FileName">The file name as sent, not yet normalised.</param>
/// <param name="ModeText">The mode string as sent.</param>
/// <param name="Mode">The mode, parsed case-insensitively.</param>
/// <param name="Options">Options in the order sent.</param>
public sealed record TftpRequest(TftpOpcode Opcode, string FileName, string ModeText, TftpTransferMode Mode, IReadOnlyList<TftpOption> Options)
{
    /// <summary>The value of the first option named <paramref name="name"/>, or null.</summary>
    public string? Option(string name)
    {
        foreach (var o in Options)
        {
            if (o.Name == name)
            {
                return o.Value;
            }
        }

        return null;
    }
}
