using System.Buffers.Binary;
using System.Security.Cryptography;
using Provisioner.Ipmi.Security;

namespace Provisioner.Ipmi.Wire;

/// <summary>An RMCP+ (IPMI v2.0) session packet after parsing and checking.</summary>
/// <param name="PayloadType">Payload type (without the encrypted/authenticated bits).</param>
/// <param name="SessionId">Session id field.</param>
/// <param name="Sequence">Session sequence number.</param>
/// <param name="Authenticated">Whether it carried a valid AuthCode.</param>
/// <param name="Payload">The payload, decrypted.</param>
public sealed record RmcpPlusPacket(PayloadType PayloadType, uint SessionId, uint Sequence, bool Authenticated, byte[] Payload);

/// <summary>
/// RMCP framing (DMTF ASF 2.0 §3.2.2), the IPMI v1.5 session wrapper used before a session exists,
/// and the IPMI v2.0 RMCP+ session wrapper with integrity and confidentiality (IPMI v2.0 §13.6, §13.8).
/// </summary>
public static class RmcpPacket
{
    /// <summary>RMCP header: version 6, reserved, sequence 0xFF (no RMCP ack), class 7 (IPMI).</summary>
    public static ReadOnlySpan<byte> RmcpHeader => [0x06, 0x00, 0xFF, 0x07];

    /// <summary>Authentication type 6 marks an RMCP+ (v2.0) session header.</summary>
    public const byte AuthTypeRmcpPlus = 0x06;

    private const byte EncryptedBit = 0x80;
    private const byte AuthenticatedBit = 0x40;
    private const byte NextHeader = 0x07;

    /// <summary>Wraps an IPMI message in RMCP + an unauthenticated v1.5 session header (session id 0).</summary>
    public static byte[] BuildV15(ReadOnlySpan<byte> message)
    {
        var p = new byte[4 + 1 + 4 + 4 + 1 + message.Length];
        RmcpHeader.CopyTo(p);
        p[13] = (byte)message.Length;
        message.CopyTo(p.AsSpan(14));
        return p;
    }

    /// <summary>Unwraps a v1.5 packet with auth type none and returns the IPMI message.</summary>
    public static byte[] ParseV15(ReadOnlySpan<byte> packet)
    {
        var r = new IpmiReader(packet);
        CheckRmcp(ref r);
        var authType = r.ReadByte();
        if (authType != 0x00)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, $"Expected an IPMI v1.5 header with auth type none, got auth type {authType}.");
        }

        r.Skip(8); // sequence, session id
        var length = r.ReadByte();
        return r.ReadBytes(length).ToArray();
    }

    /// <summary>Builds an RMCP+ packet; with <paramref name="keys"/> the payload is encrypted and an AuthCode appended.</summary>
    public static byte[] BuildV20(PayloadType type, uint sessionId, uint sequence, ReadOnlySpan<byte> payload, SessionKeys? keys)
    {
        var encrypt = keys is { HasConfidentiality: true };
        var authenticate = keys is { HasIntegrity: true };
        byte[] body = encrypt ? keys!.Encrypt(payload, RandomNumberGenerator.GetBytes(16)) : payload.ToArray();
        var headerLength = 1 + 1 + 4 + 4 + 2;
        var trailerPad = authenticate ? (4 - ((headerLength + body.Length + 2) % 4)) % 4 : 0;
        var trailer = authenticate ? trailerPad + 2 + keys!.IntegrityLength : 0;
        var p = new byte[4 + headerLength + body.Length + trailer];
        RmcpHeader.CopyTo(p);
        var s = p.AsSpan(4);
        s[0] = AuthTypeRmcpPlus;
        s[1] = (byte)((byte)type | (encrypt ? EncryptedBit : 0) | (authenticate ? AuthenticatedBit : 0));
        BinaryPrimitives.WriteUInt32LittleEndian(s[2..], sessionId);
        BinaryPrimitives.WriteUInt32LittleEndian(s[6..], sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(s[10..], (ushort)body.Length);
        body.CopyTo(s[12..]);
        if (authenticate)
        {
            var at = 12 + body.Length;
            s.Slice(at, trailerPad).Fill(0xFF); // §13.28.4: integrity pad bytes are 0xFF
            s[at + trailerPad] = (byte)trailerPad;
            s[at + trailerPad + 1] = NextHeader;
            var covered = at + trailerPad + 2;
            keys!.ComputeIntegrity(s[..covered], s[covered..]);
        }

        return p;
    }

    /// <summary>
    /// Parses and checks an RMCP+ packet. With <paramref name="keys"/>, the packet must be authenticated
    /// (when the suite has integrity) and is decrypted (when it has confidentiality).
    /// </summary>
    public static RmcpPlusPacket ParseV20(ReadOnlySpan<byte> packet, SessionKeys? keys, uint? expectedSessionId = null)
    {
        var r = new IpmiReader(packet);
        CheckRmcp(ref r);
        var start = r.Position;
        var authType = r.ReadByte();
        if (authType != AuthTypeRmcpPlus)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, $"Expected an RMCP+ session header (auth type 6), got {authType}.");
        }

        var typeByte = r.ReadByte();
        var type = (PayloadType)(typeByte & 0x3F);
        if (type == (PayloadType)0x02)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, "OEM payloads are not accepted.");
        }

        var sessionId = r.ReadUInt32();
        if (expectedSessionId is uint expected && sessionId != expected)
        {
            throw new IpmiProtocolException(IpmiRejectReason.WrongSessionId, $"Session id 0x{sessionId:x8} is not ours (0x{expected:x8}).");
        }

        var sequence = r.ReadUInt32();
        var length = r.ReadUInt16();
        var body = r.ReadBytes(length);
        var encrypted = (typeByte & EncryptedBit) != 0;
        var authenticated = (typeByte & AuthenticatedBit) != 0;
        if (keys is not null && keys.HasIntegrity)
        {
            if (!authenticated)
            {
                throw new IpmiProtocolException(IpmiRejectReason.Unauthenticated, "In-session packet without integrity code.");
            }

            var expectedPad = (4 - ((12 + length + 2) % 4)) % 4;
            r.Skip(expectedPad);
            var padLength = r.ReadByte();
            if (padLength != expectedPad)
            {
                throw new IpmiProtocolException(IpmiRejectReason.BadIntegrity, $"Integrity pad length {padLength} does not align the trailer (expected {expectedPad}).");
            }

            var next = r.ReadByte();
            if (next != NextHeader)
            {
                throw new IpmiProtocolException(IpmiRejectReason.BadIntegrity, $"Next header is 0x{next:x2}, expected 0x07.");
            }

            var covered = packet.Slice(start, r.Position - start);
            var authCode = r.ReadBytes(keys.IntegrityLength);
            if (r.Remaining != 0)
            {
                throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, $"{r.Remaining} bytes follow the integrity code.");
            }

            if (!keys.VerifyIntegrity(covered, authCode))
            {
                throw new IpmiProtocolException(IpmiRejectReason.BadIntegrity, "Integrity code does not match.");
            }
        }
        else if (authenticated && keys is null)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, "Authenticated packet outside a session.");
        }

        byte[] payload;
        if (keys is not null && keys.HasConfidentiality)
        {
            if (!encrypted)
            {
                throw new IpmiProtocolException(IpmiRejectReason.BadEncryption, "In-session payload is not encrypted.");
            }

            payload = keys.Decrypt(body);
        }
        else if (encrypted)
        {
            throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, "Encrypted payload outside an encrypted session.");
        }
        else
        {
            payload = body.ToArray();
        }

        return new RmcpPlusPacket(type, sessionId, sequence, authenticated, payload);
    }

    /// <summary>True if the packet is RMCP class IPMI with an RMCP+ header (vs. v1.5); throws when not IPMI at all.</summary>
    public static bool IsV20(ReadOnlySpan<byte> packet)
    {
        var r = new IpmiReader(packet);
        CheckRmcp(ref r);
        return r.ReadByte() == AuthTypeRmcpPlus;
    }

    private static void CheckRmcp(ref IpmiReader r)
    {
        var version = r.ReadByte();
        r.Skip(2);
        var cls = r.ReadByte();
        if (version != 0x06 || (cls & 0x1F) != 0x07)
        {
            throw new IpmiProtocolException(IpmiRejectReason.NotIpmi, $"Not an RMCP IPMI packet (version 0x{version:x2}, class 0x{cls:x2}).");
        }
    }
}
