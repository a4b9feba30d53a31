using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Appliance.Identity;

/// <summary>
/// Salted, slow password hashes in a self-describing form: <c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt b64&gt;$&lt;hash b64&gt;</c>.
/// The iteration count is stored with each hash, so it can be raised later and old hashes upgraded at the next sign-in
/// (OWASP Password Storage Cheat Sheet: PBKDF2-HMAC-SHA256 with at least 600,000 iterations is advised for new systems;
/// 210,000 is the floor accepted here).
/// </summary>
public static class PasswordHasher
{
    public const string Algorithm = "pbkdf2-sha256";

    public const int MinimumIterations = 210_000;

    public const int DefaultIterations = 210_000;

    /// <summary>Longest password accepted: bounds the hashing work an anonymous caller can cause.</summary>
    public const int MaxPasswordLength = 1024;

    public const int MinPasswordLength = 12;

    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, MinimumIterations);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Algorithm}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when <paramref name="password"/> matches; <paramref name="needsRehash"/> when the stored hash is weaker than today's default.</summary>
    public static bool Verify(string password, string stored, out bool needsRehash)
    {
        needsRehash = false;
        if (password is null || password.Length > MaxPasswordLength || string.IsNullOrEmpty(stored))
        {
            return false;
        }

        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations < MinimumIterations
            || iterations > 10_000_000)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (expected.Length == 0)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        var ok = CryptographicOperations.FixedTimeEquals(actual, expected);
        needsRehash = ok && iterations < DefaultIterations;
        return ok;
    }

    /// <summary>Why a new password is refused, or null when it is acceptable.</summary>
    public static string? Weakness(string? password, string userName)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength)
        {
            return $"Use at least {MinPasswordLength} characters.";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"Use at most {MaxPasswordLength} characters.";
        }

        if (string.Equals(password, userName, StringComparison.OrdinalIgnoreCase))
        {
            return "The password must not be the user name.";
        }

        return null;
    }
}
