namespace Provisioner.Ipmi.Security;

/// <summary>RAKP authentication algorithms (IPMI v2.0 §13.28 table 13-17).</summary>
public enum AuthenticationAlgorithm : byte
{
    /// <summary>RAKP-none.</summary>
    None = 0,

    /// <summary>RAKP-HMAC-SHA1.</summary>
    HmacSha1 = 1,

    /// <summary>RAKP-HMAC-MD5 (not supported here).</summary>
    HmacMd5 = 2,

    /// <summary>RAKP-HMAC-SHA256.</summary>
    HmacSha256 = 3,
}

/// <summary>Integrity algorithms (table 13-18).</summary>
public enum IntegrityAlgorithm : byte
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>HMAC-SHA1-96.</summary>
    HmacSha1_96 = 1,

    /// <summary>HMAC-SHA256-128.</summary>
    HmacSha256_128 = 4,
}

/// <summary>Confidentiality algorithms (table 13-19).</summary>
public enum ConfidentialityAlgorithm : byte
{
    /// <summary>None.</summary>
    None = 0,

    /// <summary>AES-CBC-128.</summary>
    AesCbc128 = 1,
}

/// <summary>A cipher suite: the algorithm triple negotiated in Open Session (IPMI v2.0 §22.15.2 table 22-20).</summary>
/// <param name="Id">The suite number (3, 17, ...).</param>
/// <param name="Authentication">RAKP algorithm.</param>
/// <param name="Integrity">Per-packet integrity.</param>
/// <param name="Confidentiality">Payload encryption.</param>
public sealed record CipherSuite(int Id, AuthenticationAlgorithm Authentication, IntegrityAlgorithm Integrity, ConfidentialityAlgorithm Confidentiality)
{
    /// <summary>Suite 3: RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128 (what most BMCs and ipmi_sim offer).</summary>
    public static readonly CipherSuite Suite3 = new(3, AuthenticationAlgorithm.HmacSha1, IntegrityAlgorithm.HmacSha1_96, ConfidentialityAlgorithm.AesCbc128);

    /// <summary>Suite 17: RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128.</summary>
    public static readonly CipherSuite Suite17 = new(17, AuthenticationAlgorithm.HmacSha256, IntegrityAlgorithm.HmacSha256_128, ConfidentialityAlgorithm.AesCbc128);

    /// <summary>Suite 1: RAKP-HMAC-SHA1, no integrity, no encryption (only for BMCs that allow nothing else).</summary>
    public static readonly CipherSuite Suite1 = new(1, AuthenticationAlgorithm.HmacSha1, IntegrityAlgorithm.None, ConfidentialityAlgorithm.None);

    /// <summary>Suite 2: RAKP-HMAC-SHA1, HMAC-SHA1-96, no encryption.</summary>
    public static readonly CipherSuite Suite2 = new(2, AuthenticationAlgorithm.HmacSha1, IntegrityAlgorithm.HmacSha1_96, ConfidentialityAlgorithm.None);

    /// <summary>Suite 15: RAKP-HMAC-SHA256, no integrity, no encryption.</summary>
    public static readonly CipherSuite Suite15 = new(15, AuthenticationAlgorithm.HmacSha256, IntegrityAlgorithm.None, ConfidentialityAlgorithm.None);

    /// <summary>Suite 16: RAKP-HMAC-SHA256, HMAC-SHA256-128, no encryption.</summary>
    public static readonly CipherSuite Suite16 = new(16, AuthenticationAlgorithm.HmacSha256, IntegrityAlgorithm.HmacSha256_128, ConfidentialityAlgorithm.None);

    /// <summary>Suites tried when none is configured, strongest first.</summary>
    public static IReadOnlyList<CipherSuite> Preferred { get; } = [Suite17, Suite3];

    /// <summary>Looks up a supported suite by number.</summary>
    public static CipherSuite FromId(int id) => id switch
    {
        1 => Suite1,
        2 => Suite2,
        3 => Suite3,
        15 => Suite15,
        16 => Suite16,
        17 => Suite17,
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "Supported cipher suites: 1, 2, 3, 15, 16, 17."),
    };
}
