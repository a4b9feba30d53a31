using System.Security.Cryptography;
using System.Text;

namespace Provisioner.Ipmi.Security;

/// <summary>
/// The RAKP key exchange arithmetic (IPMI v2.0 §13.31-13.32): the three HMACs that prove each side
/// knows the password, the session integrity key (SIK) and the derived keys K1 (integrity) and K2 (AES).
/// Pure functions, so test vectors with fixed random numbers pin them down.
/// </summary>
public static class Rakp
{
    /// <summary>The user key Kuid: the password zero-padded to 20 bytes (§13.31: passwords are 20 bytes in v2.0).</summary>
    public static byte[] UserKey(string password)
    {
        var bytes = Encoding.UTF8.GetBytes(password);
        if (bytes.Length > 20)
        {
            throw new ArgumentException("IPMI 2.0 passwords are at most 20 bytes.", nameof(password));
        }

        var key = new byte[20];
        bytes.CopyTo(key, 0);
        return key;
    }

    /// <summary>HMAC with the RAKP algorithm's hash.</summary>
    public static byte[] Hmac(AuthenticationAlgorithm alg, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => alg switch
    {
        AuthenticationAlgorithm.HmacSha1 => HMACSHA1.HashData(key, data),
        AuthenticationAlgorithm.HmacSha256 => HMACSHA256.HashData(key, data),
        _ => throw new NotSupportedException($"RAKP algorithm {alg} is not supported."),
    };

    /// <summary>Length of the key exchange authentication code in RAKP 2/3.</summary>
    public static int AuthCodeLength(AuthenticationAlgorithm alg) => alg switch
    {
        AuthenticationAlgorithm.None => 0,
        AuthenticationAlgorithm.HmacSha1 => 20,
        AuthenticationAlgorithm.HmacSha256 => 32,
        _ => throw new NotSupportedException($"RAKP algorithm {alg} is not supported."),
    };

    /// <summary>Length of the RAKP 4 integrity check value: SHA1 truncated to 96 bits, SHA256 to 128 bits (§13.28.4).</summary>
    public static int Rakp4IcvLength(AuthenticationAlgorithm alg) => alg switch
    {
        AuthenticationAlgorithm.None => 0,
        AuthenticationAlgorithm.HmacSha1 => 12,
        AuthenticationAlgorithm.HmacSha256 => 16,
        _ => throw new NotSupportedException($"RAKP algorithm {alg} is not supported."),
    };

    /// <summary>RAKP 2 key exchange code: HMAC_Kuid(SIDm, SIDc, Rm, Rc, GUIDc, ROLEm, ULENGTHm, UNAMEm) (§13.21).</summary>
    public static byte[] Rakp2AuthCode(AuthenticationAlgorithm alg, ReadOnlySpan<byte> kuid, uint consoleSessionId, uint bmcSessionId,
        ReadOnlySpan<byte> consoleRandom, ReadOnlySpan<byte> bmcRandom, ReadOnlySpan<byte> bmcGuid, byte role, ReadOnlySpan<byte> userName)
    {
        var buf = new byte[4 + 4 + 16 + 16 + 16 + 1 + 1 + userName.Length];
        var w = new SpanWriter(buf);
        w.UInt32(consoleSessionId);
        w.UInt32(bmcSessionId);
        w.Bytes(consoleRandom);
        w.Bytes(bmcRandom);
        w.Bytes(bmcGuid);
        w.Byte(role);
        w.Byte((byte)userName.Length);
        w.Bytes(userName);
        return Hmac(alg, kuid, buf);
    }

    /// <summary>RAKP 3 key exchange code: HMAC_Kuid(Rc, SIDm, ROLEm, ULENGTHm, UNAMEm) (§13.22).</summary>
    public static byte[] Rakp3AuthCode(AuthenticationAlgorithm alg, ReadOnlySpan<byte> kuid, ReadOnlySpan<byte> bmcRandom,
        uint consoleSessionId, byte role, ReadOnlySpan<byte> userName)
    {
        var buf = new byte[16 + 4 + 1 + 1 + userName.Length];
        var w = new SpanWriter(buf);
        w.Bytes(bmcRandom);
        w.UInt32(consoleSessionId);
        w.Byte(role);
        w.Byte((byte)userName.Length);
        w.Bytes(userName);
        return Hmac(alg, kuid, buf);
    }

    /// <summary>Session integrity key: HMAC_Kg(Rm, Rc, ROLEm, ULENGTHm, UNAMEm), Kg = Kuid when no BMC key is set (§13.31).</summary>
    public static byte[] SessionIntegrityKey(AuthenticationAlgorithm alg, ReadOnlySpan<byte> kg, ReadOnlySpan<byte> consoleRandom,
        ReadOnlySpan<byte> bmcRandom, byte role, ReadOnlySpan<byte> userName)
    {
        var buf = new byte[16 + 16 + 1 + 1 + userName.Length];
        var w = new SpanWriter(buf);
        w.Bytes(consoleRandom);
        w.Bytes(bmcRandom);
        w.Byte(role);
        w.Byte((byte)userName.Length);
        w.Bytes(userName);
        return Hmac(alg, kg, buf);
    }

    /// <summary>RAKP 4 integrity check value: HMAC_SIK(Rm, SIDc, GUIDc), truncated (§13.23).</summary>
    public static byte[] Rakp4Icv(AuthenticationAlgorithm alg, ReadOnlySpan<byte> sik, ReadOnlySpan<byte> consoleRandom, uint bmcSessionId, ReadOnlySpan<byte> bmcGuid)
    {
        var buf = new byte[16 + 4 + 16];
        var w = new SpanWriter(buf);
        w.Bytes(consoleRandom);
        w.UInt32(bmcSessionId);
        w.Bytes(bmcGuid);
        return Hmac(alg, sik, buf)[..Rakp4IcvLength(alg)];
    }

    /// <summary>Derived key Kn = HMAC_SIK(constant n repeated over the hash length) (§13.32: K1 integrity, K2 AES).</summary>
    public static byte[] DerivedKey(AuthenticationAlgorithm alg, ReadOnlySpan<byte> sik, byte n)
    {
        var constant = new byte[AuthCodeLength(alg)];
        constant.AsSpan().Fill(n);
        return Hmac(alg, sik, constant);
    }

    private ref struct SpanWriter(Span<byte> span)
    {
        private readonly Span<byte> _span = span;
        private int _pos;

        public void Byte(byte b) => _span[_pos++] = b;

        public void UInt32(uint v)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(_span[_pos..], v);
            _pos += 4;
        }

        public void Bytes(ReadOnlySpan<byte> b)
        {
            b.CopyTo(_span[_pos..]);
            _pos += b.Length;
        }
    }
}
