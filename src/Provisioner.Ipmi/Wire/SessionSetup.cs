using System.Buffers.Binary;
using Provisioner.Ipmi.Security;

namespace Provisioner.Ipmi.Wire;

/// <summary>Open Session Response fields (IPMI v2.0 §13.18 table 13-10).</summary>
public sealed record OpenSessionResponse(byte Tag, byte Status, byte MaxPrivilege, uint ConsoleSessionId, uint BmcSessionId,
    AuthenticationAlgorithm Authentication, IntegrityAlgorithm Integrity, ConfidentialityAlgorithm Confidentiality);

/// <summary>RAKP Message 2 fields (§13.21 table 13-12).</summary>
public sealed record Rakp2Message(byte Tag, byte Status, uint ConsoleSessionId, byte[] BmcRandom, byte[] BmcGuid, byte[] AuthCode);

/// <summary>RAKP Message 4 fields (§13.23 table 13-14).</summary>
public sealed record Rakp4Message(byte Tag, byte Status, uint ConsoleSessionId, byte[] Icv);

/// <summary>Builds and parses the RMCP+ session-setup payloads: Open Session and RAKP 1-4.</summary>
public static class SessionSetup
{
    /// <summary>Open Session Request (§13.17 table 13-9): tag, max privilege, console session id, one proposal per algorithm.</summary>
    public static byte[] OpenSessionRequest(byte tag, byte privilege, uint consoleSessionId, CipherSuite suite)
    {
        var p = new byte[32];
        p[0] = tag;
        p[1] = privilege;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), consoleSessionId);
        WriteProposal(p.AsSpan(8), 0x00, (byte)suite.Authentication);
        WriteProposal(p.AsSpan(16), 0x01, (byte)suite.Integrity);
        WriteProposal(p.AsSpan(24), 0x02, (byte)suite.Confidentiality);
        return p;
    }

    /// <summary>Parses an Open Session Response; on an error status only the first fields are present.</summary>
    public static OpenSessionResponse ParseOpenSessionResponse(ReadOnlySpan<byte> payload)
    {
        var r = new IpmiReader(payload);
        var tag = r.ReadByte();
        var status = r.ReadByte();
        if (status != 0)
        {
            // Error replies may stop after the status byte (ipmi_sim does).
            return new OpenSessionResponse(tag, status, 0, 0, 0, 0, 0, 0);
        }

        var priv = r.ReadByte();
        r.Skip(1);
        var consoleId = r.ReadUInt32();

        var bmcId = r.ReadUInt32();
        var auth = ReadProposal(ref r, 0x00);
        var integrity = ReadProposal(ref r, 0x01);
        var conf = ReadProposal(ref r, 0x02);
        return new OpenSessionResponse(tag, status, priv, consoleId, bmcId,
            (AuthenticationAlgorithm)auth, (IntegrityAlgorithm)integrity, (ConfidentialityAlgorithm)conf);
    }

    /// <summary>RAKP Message 1 (§13.20 table 13-11).</summary>
    public static byte[] Rakp1(byte tag, uint bmcSessionId, ReadOnlySpan<byte> consoleRandom, byte role, ReadOnlySpan<byte> userName)
    {
        var p = new byte[28 + userName.Length];
        p[0] = tag;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), bmcSessionId);
        consoleRandom.CopyTo(p.AsSpan(8));
        p[24] = role;
        p[27] = (byte)userName.Length;
        userName.CopyTo(p.AsSpan(28));
        return p;
    }

    /// <summary>Parses RAKP Message 2; the auth code length depends on the RAKP algorithm.</summary>
    public static Rakp2Message ParseRakp2(ReadOnlySpan<byte> payload, AuthenticationAlgorithm alg)
    {
        var r = new IpmiReader(payload);
        var tag = r.ReadByte();
        var status = r.ReadByte();
        if (status != 0)
        {
            return new Rakp2Message(tag, status, 0, [], [], []);
        }

        r.Skip(2);
        var consoleId = r.ReadUInt32();

        var random = r.ReadBytes(16).ToArray();
        var guid = r.ReadBytes(16).ToArray();
        var code = r.ReadBytes(Rakp.AuthCodeLength(alg)).ToArray();
        return new Rakp2Message(tag, status, consoleId, random, guid, code);
    }

    /// <summary>RAKP Message 3 (§13.22 table 13-13); a non-zero status tells the BMC we abandon the session.</summary>
    public static byte[] Rakp3(byte tag, byte status, uint bmcSessionId, ReadOnlySpan<byte> authCode)
    {
        var p = new byte[8 + authCode.Length];
        p[0] = tag;
        p[1] = status;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(4), bmcSessionId);
        authCode.CopyTo(p.AsSpan(8));
        return p;
    }

    /// <summary>Parses RAKP Message 4.</summary>
    public static Rakp4Message ParseRakp4(ReadOnlySpan<byte> payload, AuthenticationAlgorithm alg)
    {
        var r = new IpmiReader(payload);
        var tag = r.ReadByte();
        var status = r.ReadByte();
        if (status != 0)
        {
            return new Rakp4Message(tag, status, 0, []);
        }

        r.Skip(2);
        var consoleId = r.ReadUInt32();

        return new Rakp4Message(tag, status, consoleId, r.ReadBytes(Rakp.Rakp4IcvLength(alg)).ToArray());
    }

    /// <summary>RMCP+ status codes (§13.24 table 13-15).</summary>
    public static string DescribeStatus(byte status) => status switch
    {
        0x00 => "no errors",
        0x01 => "insufficient resources to create a session",
        0x02 => "invalid session id",
        0x03 => "invalid payload type",
        0x04 => "invalid authentication algorithm",
        0x05 => "invalid integrity algorithm",
        0x06 => "no matching authentication payload",
        0x07 => "no matching integrity payload",
        0x08 => "inactive session id",
        0x09 => "invalid role",
        0x0A => "unauthorized role or privilege level requested",
        0x0B => "insufficient resources to create a session at the requested role",
        0x0C => "invalid name length",
        0x0D => "unauthorized name",
        0x0E => "unauthorized GUID",
        0x0F => "invalid integrity check value",
        0x10 => "invalid confidentiality algorithm",
        0x11 => "no cipher suite match with proposed security algorithms",
        0x12 => "illegal or unrecognized parameter",
        _ => "unknown status",
    };

    private static void WriteProposal(Span<byte> s, byte type, byte algorithm)
    {
        s[0] = type;
        s[3] = 0x08;
        s[4] = algorithm;
    }

    private static byte ReadProposal(ref IpmiReader r, byte expectedType)
    {
        var type = r.ReadByte();
        r.Skip(2);
        var len = r.ReadByte();
        if (type != expectedType || len != 8)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, $"Open Session Response proposal {type}/{len} where {expectedType}/8 was expected.");
        }

        var alg = (byte)(r.ReadByte() & 0x3F);
        r.Skip(3);
        return alg;
    }
}
