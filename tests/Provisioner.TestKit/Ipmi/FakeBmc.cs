using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Provisioner.Net;

namespace Provisioner.TestKit.Ipmi;

/// <summary>A user of the fake BMC.</summary>
/// <param name="Name">User name.</param>
/// <param name="Password">Password (at most 20 bytes).</param>
/// <param name="MaxPrivilege">Highest privilege (4 = administrator).</param>
public sealed record FakeBmcUser(string Name, string Password, byte MaxPrivilege = 4);

/// <summary>
/// Our own RMCP+ BMC over an in-memory <see cref="IChassis"/>, written independently of the client so
/// that the two check each other (IPMI v2.0 §13, §22, §28). It speaks cipher suites 3 and 17 (or a
/// chosen subset), answers Get Device ID, chassis status/control/identify and boot options, and has
/// switches for failure tests: silence, reply mutation (fuzzing), replays, wrong session ids.
/// Unknown commands answer 0xC1 like a real BMC.
/// </summary>
public sealed class FakeBmc : IAsyncDisposable
{
    private readonly IDatagramChannel _channel;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly ConcurrentDictionary<uint, Session> _sessions = new();
    private byte[]? _lastReply;
    private long _received;
    private long _sessionsOpened;

    /// <summary>Starts a fake BMC on <paramref name="channel"/> (default: a new socket on 127.0.0.1, free port).</summary>
    public FakeBmc(IChassis? chassis = null, IEnumerable<FakeBmcUser>? users = null, IDatagramChannel? channel = null)
    {
        Chassis = chassis ?? new FakeChassis();
        Users = (users ?? [new FakeBmcUser("admin", "password")]).ToList();
        _channel = channel ?? new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Loopback, 0) });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The chassis behind this BMC.</summary>
    public IChassis Chassis { get; }

    /// <summary>Configured users.</summary>
    public List<FakeBmcUser> Users { get; }

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint => _channel.LocalEndPoint;

    /// <summary>Cipher suites accepted in Open Session (3 and 17 by default).</summary>
    public HashSet<int> CipherSuites { get; } = [3, 17];

    /// <summary>Drop every request (a BMC that never answers).</summary>
    public bool Silent { get; set; }

    /// <summary>Delay before each reply.</summary>
    public TimeSpan ReplyDelay { get; set; }

    /// <summary>Changes in-session replies before they leave (null result drops the reply): fuzzing and forgery.</summary>
    public Func<byte[], byte[]?>? MutateSessionReply { get; set; }

    /// <summary>Send each in-session reply twice: the real one, then the previous reply again (a replay).</summary>
    public bool ReplayPreviousReply { get; set; }

    /// <summary>Put this session id in in-session replies instead of the console's.</summary>
    public uint? ForceReplySessionId { get; set; }

    /// <summary>Datagrams received.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Sessions that completed RAKP 4.</summary>
    public long SessionsOpened => Interlocked.Read(ref _sessionsOpened);

    /// <summary>Sessions currently open.</summary>
    public int ActiveSessions => _sessions.Values.Count(s => s.Keys is not null);

    /// <summary>Fixed BMC random number for RAKP 2 (test vectors); null draws a fresh one.</summary>
    public byte[]? FixedBmcRandom { get; set; }

    /// <summary>The GUID sent in RAKP 2.</summary>
    public byte[] Guid { get; set; } = Convert.FromHexString("a123456789abcdefa123456789abcdef");

    /// <summary>Forgets every session, as a BMC does after a reboot or idle timeout.</summary>
    public void DropSessions() => _sessions.Clear();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _channel.DisposeAsync();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            ReceivedDatagram d;
            try
            {
                d = await _channel.ReceiveAsync(buffer, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            Interlocked.Increment(ref _received);
            if (Silent)
            {
                continue;
            }

            byte[][] replies;
            try
            {
                replies = Handle(buffer.AsSpan(0, d.Length));
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or CryptographicException or InvalidOperationException)
            {
                continue; // malformed request: a BMC drops it
            }

            if (ReplyDelay > TimeSpan.Zero)
            {
                await Task.Delay(ReplyDelay);
            }

            foreach (var r in replies)
            {
                try
                {
                    await _channel.SendAsync(d.Remote, r, _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
            }
        }
    }

    private byte[][] Handle(ReadOnlySpan<byte> p)
    {
        if (p.Length < 5 || p[0] != 0x06 || p[3] != 0x07)
        {
            return [];
        }

        if (p[4] == 0x00)
        {
            return HandleV15(p);
        }

        if (p[4] != 0x06 || p.Length < 16)
        {
            return [];
        }

        var payloadType = (byte)(p[5] & 0x3F);
        var sessionId = BinaryPrimitives.ReadUInt32LittleEndian(p[6..]);
        var sequence = BinaryPrimitives.ReadUInt32LittleEndian(p[10..]);
        var length = BinaryPrimitives.ReadUInt16LittleEndian(p[14..]);
        if (p.Length < 16 + length)
        {
            return [];
        }

        var payload = p.Slice(16, length);
        return payloadType switch
        {
            0x10 => [OpenSession(payload)],
            0x12 => [Rakp1(payload)],
            0x14 => Rakp3(payload),
            0x00 => InSession(p, sessionId, sequence, payload, (p[5] & 0x80) != 0, (p[5] & 0x40) != 0),
            _ => [],
        };
    }

    private byte[][] HandleV15(ReadOnlySpan<byte> p)
    {
        // Only Get Channel Authentication Capabilities is answered outside a session.
        if (p.Length < 14 + 7 || p[13] < 7)
        {
            return [];
        }

        var msg = p.Slice(14, p[13]);
        if ((msg[1] >> 2) != 0x06 || msg[5] != 0x38)
        {
            return [];
        }

        // Channel 1; auth types: extended capabilities present (bit 7), MD5 (bit 2); v2.0 supported (ext bit 1).
        var response = BuildResponse(0x06, 0x38, (byte)(msg[4] >> 2), 0x00, [0x01, 0x84, 0x00, 0x02, 0, 0, 0, 0]);
        var packet = new byte[14 + response.Length];
        packet[0] = 0x06;
        packet[2] = 0xFF;
        packet[3] = 0x07;
        packet[13] = (byte)response.Length;
        response.CopyTo(packet, 14);
        return [packet];
    }

    private byte[] OpenSession(ReadOnlySpan<byte> req)
    {
        var tag = req[0];
        var consoleId = BinaryPrimitives.ReadUInt32LittleEndian(req[4..]);
        var auth = req[12];
        var integrity = req[20];
        var conf = req[28];
        var suite = (auth, integrity, conf) switch
        {
            (1, 1, 1) => 3,
            (3, 4, 1) => 17,
            _ => -1,
        };
        if (suite < 0 || !CipherSuites.Contains(suite))
        {
            return Unauthenticated(0x11, [tag, 0x11, 0, 0, .. Le(consoleId)]);
        }

        uint bmcId;
        do
        {
            bmcId = (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        }
        while (!_sessions.TryAdd(bmcId, new Session(bmcId, consoleId, suite == 17)));

        byte[] reply = [tag, 0x00, 0x04, 0x00, .. Le(consoleId), .. Le(bmcId),
            0x00, 0, 0, 8, auth, 0, 0, 0, 0x01, 0, 0, 8, integrity, 0, 0, 0, 0x02, 0, 0, 8, conf, 0, 0, 0];
        return Unauthenticated(0x11, reply);
    }

    private byte[] Rakp1(ReadOnlySpan<byte> req)
    {
        var tag = req[0];
        var bmcId = BinaryPrimitives.ReadUInt32LittleEndian(req[4..]);
        if (!_sessions.TryGetValue(bmcId, out var s))
        {
            return Unauthenticated(0x13, [tag, 0x02, 0, 0, 0, 0, 0, 0]);
        }

        s.ConsoleRandom = req.Slice(8, 16).ToArray();
        s.Role = req[24];
        var nameLength = req[27];
        s.UserName = req.Slice(28, nameLength).ToArray();
        var user = Users.FirstOrDefault(u => Encoding.UTF8.GetBytes(u.Name).AsSpan().SequenceEqual(s.UserName));
        if (user is null)
        {
            _sessions.TryRemove(bmcId, out _);
            return Unauthenticated(0x13, [tag, 0x0D, 0, 0, .. Le(s.ConsoleId)]);
        }

        if ((s.Role & 0x0F) > user.MaxPrivilege)
        {
            _sessions.TryRemove(bmcId, out _);
            return Unauthenticated(0x13, [tag, 0x09, 0, 0, .. Le(s.ConsoleId)]);
        }

        s.User = user;
        s.BmcRandom = FixedBmcRandom ?? RandomNumberGenerator.GetBytes(16);
        var kuid = Kuid(user.Password);
        byte[] data = [.. Le(s.ConsoleId), .. Le(bmcId), .. s.ConsoleRandom, .. s.BmcRandom, .. Guid, s.Role, (byte)s.UserName.Length, .. s.UserName];
        var code = s.Hmac(kuid, data);
        return Unauthenticated(0x13, [tag, 0x00, 0, 0, .. Le(s.ConsoleId), .. s.BmcRandom, .. Guid, .. code]);
    }

    private byte[][] Rakp3(ReadOnlySpan<byte> req)
    {
        var tag = req[0];
        var status = req[1];
        var bmcId = BinaryPrimitives.ReadUInt32LittleEndian(req[4..]);
        if (!_sessions.TryGetValue(bmcId, out var s) || s.User is null)
        {
            return [Unauthenticated(0x15, [tag, 0x02, 0, 0, 0, 0, 0, 0])];
        }

        if (status != 0)
        {
            _sessions.TryRemove(bmcId, out _);
            return [];
        }

        var kuid = Kuid(s.User.Password);
        byte[] data = [.. s.BmcRandom!, .. Le(s.ConsoleId), s.Role, (byte)s.UserName!.Length, .. s.UserName];
        var expected = s.Hmac(kuid, data);
        if (!req[8..].SequenceEqual(expected))
        {
            _sessions.TryRemove(bmcId, out _);
            return [Unauthenticated(0x15, [tag, 0x0F, 0, 0, .. Le(s.ConsoleId)])];
        }

        s.Sik = s.Hmac(kuid, [.. s.ConsoleRandom!, .. s.BmcRandom!, s.Role, (byte)s.UserName.Length, .. s.UserName]);
        var icv = s.Hmac(s.Sik, [.. s.ConsoleRandom!, .. Le(bmcId), .. Guid])[..(s.Sha256 ? 16 : 12)];
        var hashLength = s.Sha256 ? 32 : 20;
        s.Keys = (s.Hmac(s.Sik, Enumerable.Repeat((byte)1, hashLength).ToArray()), s.Hmac(s.Sik, Enumerable.Repeat((byte)2, hashLength).ToArray())[..16]);
        Interlocked.Increment(ref _sessionsOpened);
        return [Unauthenticated(0x15, [tag, 0x00, 0, 0, .. Le(s.ConsoleId), .. icv])];
    }

    private byte[][] InSession(ReadOnlySpan<byte> packet, uint sessionId, uint sequence, ReadOnlySpan<byte> payload, bool encrypted, bool authenticated)
    {
        if (!_sessions.TryGetValue(sessionId, out var s) || s.Keys is not { } keys || !encrypted || !authenticated)
        {
            return [];
        }

        // Integrity: AuthType .. Next Header, then AuthCode (§13.28.4).
        var macLength = s.Sha256 ? 16 : 12;
        var padLength = (4 - ((12 + payload.Length + 2) % 4)) % 4;
        var covered = 12 + payload.Length + padLength + 2;
        if (packet.Length < 4 + covered + macLength)
        {
            return [];
        }

        var mac = s.Hmac(keys.K1, packet.Slice(4, covered))[..macLength];
        if (!packet.Slice(4 + covered, macLength).SequenceEqual(mac))
        {
            return [];
        }

        if (sequence <= s.InboundSequence && s.InboundSequence - sequence < 8 && s.SeenInbound.Contains(sequence))
        {
            return []; // replayed request
        }

        s.SeenInbound.Add(sequence);
        s.InboundSequence = Math.Max(s.InboundSequence, sequence);

        using var aes = Aes.Create();
        aes.Key = keys.K2;
        var plain = aes.DecryptCbc(payload[16..], payload[..16], PaddingMode.None);
        var message = plain.AsSpan(0, plain.Length - 1 - plain[^1]);
        var netFn = (byte)(message[1] >> 2);
        var rqSeq = (byte)(message[4] >> 2);
        var command = message[5];
        var data = message[6..^1];
        var (cc, replyData) = Execute(s, netFn, command, data);
        var response = BuildResponse(netFn, command, rqSeq, cc, replyData);

        var iv = RandomNumberGenerator.GetBytes(16);
        var pad = (16 - ((response.Length + 1) % 16)) % 16;
        var block = new byte[response.Length + pad + 1];
        response.CopyTo(block, 0);
        for (var i = 0; i < pad; i++)
        {
            block[response.Length + i] = (byte)(i + 1);
        }

        block[^1] = (byte)pad;
        byte[] body = [.. iv, .. aes.EncryptCbc(block, iv, PaddingMode.None)];
        var reply = SessionPacket(s, 0xC0, ForceReplySessionId ?? s.ConsoleId, ++s.OutboundSequence, body, keys.K1);
        if (command == 0x3C && netFn == 0x06)
        {
            _sessions.TryRemove(sessionId, out _);
        }

        var previous = _lastReply;
        _lastReply = reply;
        var mutated = MutateSessionReply is { } mutate ? mutate(reply) : reply;
        var list = new List<byte[]>();
        if (mutated is not null)
        {
            list.Add(mutated);
        }

        if (ReplayPreviousReply && previous is not null)
        {
            list.Insert(0, previous);
        }

        return [.. list];
    }

    private (byte Cc, byte[] Data) Execute(Session s, byte netFn, byte command, ReadOnlySpan<byte> data)
    {
        switch (netFn, command)
        {
            case (0x06, 0x01): // Get Device ID
                return (0, [0x20, 0x81, 0x01, 0x23, 0x02, 0xBF, 0x57, 0x01, 0x00, 0x34, 0x12, 0, 0, 0, 0]);
            case (0x06, 0x3B): // Set Session Privilege Level
                var requested = data.Length > 0 ? data[0] : (byte)0;
                return requested > (s.User?.MaxPrivilege ?? 0) ? ((byte)0x81, []) : ((byte)0, [requested]);
            case (0x06, 0x3C): // Close Session
                return (0, []);
            case (0x00, 0x01): // Get Chassis Status
                var identify = Chassis is FakeChassis { IdentifyState: { } id } ? (byte)(0x40 | ((id.Force ? 2 : id.Seconds > 0 ? 1 : 0) << 4)) : (byte)0;
                return (0, [(byte)(Chassis.PowerOn ? 0x01 : 0x00), 0x00, identify]);
            case (0x00, 0x02): // Chassis Control
                return data.Length < 1 ? ((byte)0xC7, []) : Chassis.Control((byte)(data[0] & 0x0F)) ? ((byte)0, []) : ((byte)0xCC, []);
            case (0x00, 0x04): // Chassis Identify
                Chassis.Identify(data.Length > 0 ? data[0] : (byte)15, data.Length > 1 && (data[1] & 1) != 0);
                return (0, []);
            case (0x00, 0x08): // Set System Boot Options
                if (data.Length >= 3 && (data[0] & 0x7F) == 5)
                {
                    Chassis.BootFlags = (data[1], data[2]);
                    return (0, []);
                }

                return data.Length >= 1 && (data[0] & 0x7F) is 0 or 3 or 4 ? ((byte)0, []) : ((byte)0xCC, []);
            case (0x00, 0x09): // Get System Boot Options
                if (data.Length >= 1 && (data[0] & 0x7F) == 5)
                {
                    var (flags, device) = Chassis.BootFlags;
                    return (0, [0x01, 0x05, flags, device, 0, 0, 0]);
                }

                return ((byte)0x80, []); // parameter not supported
            default:
                return (0xC1, []);
        }
    }

    private static byte[] SessionPacket(Session s, byte typeBits, uint sessionId, uint sequence, byte[] body, byte[] k1)
    {
        var macLength = s.Sha256 ? 16 : 12;
        var pad = (4 - ((12 + body.Length + 2) % 4)) % 4;
        var p = new byte[4 + 12 + body.Length + pad + 2 + macLength];
        p[0] = 0x06;
        p[2] = 0xFF;
        p[3] = 0x07;
        p[4] = 0x06;
        p[5] = typeBits;
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(6), sessionId);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(10), sequence);
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(14), (ushort)body.Length);
        body.CopyTo(p, 16);
        var at = 16 + body.Length;
        p.AsSpan(at, pad).Fill(0xFF);
        p[at + pad] = (byte)pad;
        p[at + pad + 1] = 0x07;
        var covered = 12 + body.Length + pad + 2;
        s.Hmac(k1, p.AsSpan(4, covered))[..macLength].CopyTo(p, 4 + covered);
        return p;
    }

    private static byte[] Unauthenticated(byte payloadType, byte[] payload)
    {
        var p = new byte[16 + payload.Length];
        p[0] = 0x06;
        p[2] = 0xFF;
        p[3] = 0x07;
        p[4] = 0x06;
        p[5] = payloadType;
        BinaryPrimitives.WriteUInt16LittleEndian(p.AsSpan(14), (ushort)payload.Length);
        payload.CopyTo(p, 16);
        return p;
    }

    private static byte[] BuildResponse(byte requestNetFn, byte command, byte rqSeq, byte cc, ReadOnlySpan<byte> data)
    {
        var m = new byte[8 + data.Length];
        m[0] = 0x81;
        m[1] = (byte)((requestNetFn + 1) << 2);
        m[2] = Sum(m.AsSpan(0, 2));
        m[3] = 0x20;
        m[4] = (byte)(rqSeq << 2);
        m[5] = command;
        m[6] = cc;
        data.CopyTo(m.AsSpan(7));
        m[^1] = Sum(m.AsSpan(3, 4 + data.Length));
        return m;
    }

    private static byte Sum(ReadOnlySpan<byte> b)
    {
        var sum = 0;
        foreach (var x in b)
        {
            sum += x;
        }

        return (byte)(-sum & 0xFF);
    }

    private static byte[] Kuid(string password)
    {
        var key = new byte[20];
        Encoding.UTF8.GetBytes(password).CopyTo(key, 0);
        return key;
    }

    private static byte[] Le(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        return b;
    }

    private sealed class Session(uint bmcId, uint consoleId, bool sha256)
    {
        public uint BmcId { get; } = bmcId;

        public uint ConsoleId { get; } = consoleId;

        public bool Sha256 { get; } = sha256;

        public byte[]? ConsoleRandom { get; set; }

        public byte[]? BmcRandom { get; set; }

        public byte Role { get; set; }

        public byte[]? UserName { get; set; }

        public FakeBmcUser? User { get; set; }

        public byte[]? Sik { get; set; }

        public (byte[] K1, byte[] K2)? Keys { get; set; }

        public uint InboundSequence { get; set; }

        public HashSet<uint> SeenInbound { get; } = [];

        public uint OutboundSequence { get; set; }

        public byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) => Sha256 ? HMACSHA256.HashData(key, data) : HMACSHA1.HashData(key, data);
    }
}
