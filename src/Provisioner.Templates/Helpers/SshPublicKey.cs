using System.Buffers.Binary;
using System.Text;

namespace Provisioner.Templates.Helpers;

/// <summary>Recognises an OpenSSH public key line: "type base64-blob [comment]" where the blob starts with the type
/// (RFC 4253 §6.6: string "ssh-rsa", ...), so a pasted private key, a truncated key or a stray line is refused.</summary>
public static class SshPublicKey
{
    private static readonly HashSet<string> KnownTypes = new(StringComparer.Ordinal)
    {
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-dss",
    };

    public static bool IsValid(string line)
    {
        if (line.AsSpan().IndexOfAny('\n', '\r', '\0') >= 0)
        {
            return false;
        }

        var parts = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !KnownTypes.Contains(parts[0]))
        {
            return false;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (blob.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        return length == parts[0].Length && blob.Length >= 4 + length
            && Encoding.ASCII.GetString(blob, 4, (int)length) == parts[0];
    }
}
