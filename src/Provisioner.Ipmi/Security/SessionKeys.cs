using System.Security.Cryptography;

namespace Provisioner.Ipmi.Security;

/// <summary>
/// The keys of an active RMCP+ session and the per-packet operations on them: integrity codes
/// (HMAC-SHA1-96 / HMAC-SHA256-128 keyed with K1) and AES-CBC-128 keyed with the first 16 bytes of K2
/// (IPMI v2.0 §13.28.4, §13.29).
/// </summary>
public sealed class SessionKeys : IDisposable
{
    private readonly byte[] _k1;
    private readonly Aes? _aes;

    /// <summary>Derives K1/K2 from the session integrity key.</summary>
    public SessionKeys(CipherSuite suite, byte[] sik)
    {
        Suite = suite;
        Sik = sik;
        _k1 = Rakp.DerivedKey(suite.Authentication, sik, 0x01);
        if (suite.Confidentiality == ConfidentialityAlgorithm.AesCbc128)
        {
            _aes = Aes.Create();
            _aes.Key = Rakp.DerivedKey(suite.Authentication, sik, 0x02)[..16];
        }
    }

    /// <summary>The negotiated suite.</summary>
    public CipherSuite Suite { get; }

    /// <summary>The session integrity key.</summary>
    public byte[] Sik { get; }

    /// <summary>Whether packets carry an AuthCode.</summary>
    public bool HasIntegrity => Suite.Integrity != IntegrityAlgorithm.None;

    /// <summary>Whether payloads are encrypted.</summary>
    public bool HasConfidentiality => _aes is not null;

    /// <summary>AuthCode length: 12 (SHA1-96) or 16 (SHA256-128).</summary>
    public int IntegrityLength => Suite.Integrity switch
    {
        IntegrityAlgorithm.HmacSha1_96 => 12,
        IntegrityAlgorithm.HmacSha256_128 => 16,
        _ => 0,
    };

    /// <summary>Computes the AuthCode over <paramref name="data"/> (AuthType through Next Header) into <paramref name="destination"/>.</summary>
    public void ComputeIntegrity(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        Span<byte> full = stackalloc byte[32];
        var n = Suite.Integrity switch
        {
            IntegrityAlgorithm.HmacSha1_96 => HMACSHA1.HashData(_k1, data, full),
            IntegrityAlgorithm.HmacSha256_128 => HMACSHA256.HashData(_k1, data, full),
            _ => throw new InvalidOperationException("No integrity algorithm."),
        };
        _ = n;
        full[..IntegrityLength].CopyTo(destination);
    }

    /// <summary>Checks an AuthCode in constant time.</summary>
    public bool VerifyIntegrity(ReadOnlySpan<byte> data, ReadOnlySpan<byte> authCode)
    {
        Span<byte> expected = stackalloc byte[16];
        ComputeIntegrity(data, expected[..IntegrityLength]);
        return authCode.Length == IntegrityLength && CryptographicOperations.FixedTimeEquals(expected[..IntegrityLength], authCode);
    }

    /// <summary>Encrypts a payload: IV, then AES-CBC over data + pad 1,2,3.. + pad length (§13.29, table 13-20).</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> plain, ReadOnlySpan<byte> iv)
    {
        var aes = _aes ?? throw new InvalidOperationException("No confidentiality algorithm.");
        var padLength = (16 - ((plain.Length + 1) % 16)) % 16;
        var block = new byte[plain.Length + padLength + 1];
        plain.CopyTo(block);
        for (var i = 0; i < padLength; i++)
        {
            block[plain.Length + i] = (byte)(i + 1);
        }

        block[^1] = (byte)padLength;
        var output = new byte[16 + block.Length];
        iv.CopyTo(output);
        aes.EncryptCbc(block, iv, output.AsSpan(16), PaddingMode.None);
        return output;
    }

    /// <summary>Decrypts a payload and checks its confidentiality trailer; throws <see cref="IpmiProtocolException"/> when wrong.</summary>
    public byte[] Decrypt(ReadOnlySpan<byte> payload)
    {
        var aes = _aes ?? throw new InvalidOperationException("No confidentiality algorithm.");
        if (payload.Length < 32 || payload.Length % 16 != 0)
        {
            throw new IpmiProtocolException(IpmiRejectReason.BadEncryption, $"Encrypted payload of {payload.Length} bytes is not IV + whole AES blocks.");
        }

        var plain = aes.DecryptCbc(payload[16..], payload[..16], PaddingMode.None);
        var padLength = plain[^1];
        if (padLength > 15 || padLength + 1 > plain.Length)
        {
            throw new IpmiProtocolException(IpmiRejectReason.BadEncryption, $"Confidentiality pad length {padLength} is invalid.");
        }

        for (var i = 0; i < padLength; i++)
        {
            if (plain[plain.Length - 1 - padLength + i] != i + 1)
            {
                throw new IpmiProtocolException(IpmiRejectReason.BadEncryption, "Confidentiality pad bytes are wrong.");
            }
        }

        return plain[..(plain.Length - 1 - padLength)];
    }

    /// <inheritdoc/>
    public void Dispose() => _aes?.Dispose();
}
