using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Provisioner.Boot.Tokens;

/// <summary>What a per-boot token says: which node, which boot, until when.</summary>
public sealed record BootTokenClaims(Guid NodeId, Guid BootId, DateTimeOffset ExpiresAt);

/// <summary>
/// Per-boot tokens for the live agent and the deployed OS's callback. A token is self-contained and signed
/// (HMAC-SHA256 over node id, boot id and expiry), so every appliance sharing the key accepts it without a lookup,
/// and a token for one node never opens another node's API. Format: base64url(payload) "." base64url(mac).
/// </summary>
public sealed class BootTokenService
{
    private const byte FormatVersion = 1;
    private const int PayloadLength = 1 + 16 + 16 + 8;
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    /// <param name="key">At least 32 random bytes, shared by the appliances of one installation.</param>
    public BootTokenService(byte[] key, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("The boot token key needs at least 32 bytes.", nameof(key));
        }

        _key = key.ToArray();
        _time = time;
    }

    /// <summary>How long a token lives when the caller does not say (a slow deploy of a large image fits).</summary>
    public static TimeSpan DefaultLifetime { get; } = TimeSpan.FromHours(6);

    /// <summary>A fresh random key.</summary>
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public string Issue(Guid nodeId, Guid bootId, TimeSpan? lifetime = null)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        payload[0] = FormatVersion;
        nodeId.TryWriteBytes(payload.Slice(1, 16));
        bootId.TryWriteBytes(payload.Slice(17, 16));
        BinaryPrimitives.WriteInt64BigEndian(payload[33..], (_time.GetUtcNow() + (lifetime ?? DefaultLifetime)).ToUnixTimeSeconds());
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, payload, mac);
        return $"{Base64Url(payload)}.{Base64Url(mac)}";
    }

    /// <summary>Checks signature and expiry. Returns the claims, or null with <paramref name="problem"/> saying why.</summary>
    public BootTokenClaims? Validate(string? token, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(token) || token.Length > 200)
        {
            problem = "missing or malformed boot token";
            return null;
        }

        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !TryFromBase64Url(token[..dot], out var payload) || !TryFromBase64Url(token[(dot + 1)..], out var mac)
            || payload.Length != PayloadLength || payload[0] != FormatVersion || mac.Length != 32)
        {
            problem = "malformed boot token";
            return null;
        }

        var expected = HMACSHA256.HashData(_key, payload);
        if (!CryptographicOperations.FixedTimeEquals(expected, mac))
        {
            problem = "boot token signature does not match (issued by another installation, or altered)";
            return null;
        }

        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(33)));
        if (expires <= _time.GetUtcNow())
        {
            problem = $"boot token expired at {expires:u}; power-cycle the node to get a new one";
            return null;
        }

        return new BootTokenClaims(new Guid(payload.AsSpan(1, 16)), new Guid(payload.AsSpan(17, 16)), expires);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryFromBase64Url(string text, out byte[] bytes)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        bytes = new byte[(s.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(s, bytes, out var n))
        {
            bytes = bytes[..n];
            return true;
        }

        bytes = [];
        return false;
    }
}
