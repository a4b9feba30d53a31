using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Templates.Crypto;

/// <summary>
/// SHA-512 based crypt ("$6$", Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512", 2007/2008), the password hash
/// glibc's crypt(3), kickstart's <c>rootpw --iscrypted</c>, cloud-init's <c>passwd</c> and <c>openssl passwd -6</c> use.
/// </summary>
public static class Sha512Crypt
{
    public const int DefaultRounds = 5000;
    public const int MinRounds = 1000;
    public const int MaxRounds = 999_999_999;
    public const int MaxSaltLength = 16;

    private const string Alphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    // Spec step 22: the 64 digest bytes are emitted in this order, three at a time (the last one alone).
    private static readonly byte[] OutputOrder =
    [
        0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51,
        31, 52, 10, 53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40,
        61, 19, 62, 20, 41,
    ];

    /// <summary>Hashes <paramref name="password"/> with a random 16-character salt.</summary>
    public static string Hash(string password, int? rounds = null)
    {
        Span<char> salt = stackalloc char[MaxSaltLength];
        for (var i = 0; i < salt.Length; i++)
        {
            salt[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return Hash(password, new string(salt), rounds);
    }

    /// <summary>Hashes with the given salt (truncated to 16 characters, as the spec says).</summary>
    /// <param name="rounds">null = the default 5000, left out of the output; a value is clamped to 1000..999999999
    /// and written as "rounds=N$" even when it is 5000.</param>
    public static string Hash(string password, string salt, int? rounds = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        if (salt.AsSpan().IndexOfAny('$', ':', '\n') >= 0)
        {
            throw new ArgumentException("A crypt salt cannot contain '$', ':' or a newline.", nameof(salt));
        }

        var p = Encoding.UTF8.GetBytes(password);
        var saltBytes = Encoding.UTF8.GetBytes(salt);
        var s = saltBytes.Length > MaxSaltLength ? saltBytes[..MaxSaltLength] : saltBytes;
        var effectiveRounds = rounds is null ? DefaultRounds : Math.Clamp(rounds.Value, MinRounds, MaxRounds);

        // Steps 4-8: digest B = SHA512(P S P).
        var b = SHA512.HashData([.. p, .. s, .. p]);

        // Steps 1-3, 9-12: digest A.
        using var a = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        a.AppendData(p);
        a.AppendData(s);
        int n;
        for (n = p.Length; n > 64; n -= 64)
        {
            a.AppendData(b);
        }

        a.AppendData(b, 0, n);
        for (n = p.Length; n > 0; n >>= 1)
        {
            if ((n & 1) != 0)
            {
                a.AppendData(b);
            }
            else
            {
                a.AppendData(p);
            }
        }

        var digestA = a.GetHashAndReset();

        // Steps 13-16: P sequence from DP = SHA512(P repeated |P| times).
        for (var i = 0; i < p.Length; i++)
        {
            a.AppendData(p);
        }

        var pSeq = Repeat(a.GetHashAndReset(), p.Length);

        // Steps 17-20: S sequence from DS = SHA512(S repeated 16 + A[0] times).
        for (var i = 0; i < 16 + digestA[0]; i++)
        {
            a.AppendData(s);
        }

        var sSeq = Repeat(a.GetHashAndReset(), s.Length);

        // Step 21: the rounds.
        var c = digestA;
        for (var i = 0; i < effectiveRounds; i++)
        {
            if ((i & 1) != 0)
            {
                a.AppendData(pSeq);
            }
            else
            {
                a.AppendData(c);
            }

            if (i % 3 != 0)
            {
                a.AppendData(sSeq);
            }

            if (i % 7 != 0)
            {
                a.AppendData(pSeq);
            }

            if ((i & 1) != 0)
            {
                a.AppendData(c);
            }
            else
            {
                a.AppendData(pSeq);
            }

            c = a.GetHashAndReset();
        }

        var result = new StringBuilder("$6$", 128);
        if (rounds is not null)
        {
            result.Append("rounds=").Append(effectiveRounds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('$');
        }

        result.Append(Encoding.UTF8.GetString(s)).Append('$');
        for (var i = 0; i < OutputOrder.Length; i += 3)
        {
            AppendBase64(result, c[OutputOrder[i]], c[OutputOrder[i + 1]], c[OutputOrder[i + 2]], 4);
        }

        AppendBase64(result, 0, 0, c[63], 2);
        return result.ToString();
    }

    /// <summary>Checks <paramref name="password"/> against a "$6$[rounds=N$]salt$hash" string.</summary>
    public static bool Verify(string password, string hash)
    {
        if (!TryParse(hash, out var salt, out var rounds))
        {
            return false;
        }

        var computed = Hash(password, salt, rounds);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(hash));
    }

    private static bool TryParse(string hash, out string salt, out int? rounds)
    {
        salt = string.Empty;
        rounds = null;
        if (!hash.StartsWith("$6$", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = hash[3..];
        if (rest.StartsWith("rounds=", StringComparison.Ordinal))
        {
            var end = rest.IndexOf('$', StringComparison.Ordinal);
            if (end < 0 || !int.TryParse(rest.AsSpan(7, end - 7), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var r))
            {
                return false;
            }

            rounds = r;
            rest = rest[(end + 1)..];
        }

        var dollar = rest.IndexOf('$', StringComparison.Ordinal);
        if (dollar < 0)
        {
            return false;
        }

        salt = rest[..dollar];
        return true;
    }

    private static byte[] Repeat(byte[] digest, int length)
    {
        var result = new byte[length];
        for (var i = 0; i < length; i += digest.Length)
        {
            Array.Copy(digest, 0, result, i, Math.Min(digest.Length, length - i));
        }

        return result;
    }

    private static void AppendBase64(StringBuilder sb, byte b2, byte b1, byte b0, int chars)
    {
        var w = (b2 << 16) | (b1 << 8) | b0;
        for (var i = 0; i < chars; i++)
        {
            sb.Append(Alphabet[w & 0x3f]);
            w >>= 6;
        }
    }
}
