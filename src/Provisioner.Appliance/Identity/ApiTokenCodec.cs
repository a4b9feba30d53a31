using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Appliance.Identity;

/// <summary>
/// API tokens: 32 random bytes, base64url, prefixed "prv_" so secret scanners recognise them. Only the sha256 is stored;
/// a slow hash is unnecessary because the token has 256 bits of entropy (unlike a password).
/// </summary>
public static class ApiTokenCodec
{
    public const string Prefix = "prv_";

    public static string NewToken() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HashOf(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Cheap shape check before any lookup, so garbage never reaches the store.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: > 20 and < 200 } && token.StartsWith(Prefix, StringComparison.Ordinal);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
