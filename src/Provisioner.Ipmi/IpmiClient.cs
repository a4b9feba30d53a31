using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Ipmi.Commands;
using Provisioner.Ipmi.Security;
using Provisioner.Ipmi.Wire;
using Provisioner.Net;

namespace Provisioner.Ipmi;

/// <summary>
/// An IPMI v2.0 (RMCP+) client for one BMC. It opens a session on first use (Get Channel
/// Authentication Capabilities, Open Session, RAKP 1-4, Set Session Privilege Level), reuses it for
/// later commands while it is fresh, retransmits on timeouts, and rejects (and counts) any reply
/// that is truncated, forged, for another session, badly authenticated or replayed.
/// One command runs at a time per BMC; create one client per BMC and share it.
/// </summary>
public sealed partial class IpmiClient : IAsyncDisposable
{
    private const int MaxPacket = 1024;

    private readonly IpmiClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IpmiCounters _counters;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _buffer = new byte[MaxPacket];
    private readonly byte[] _user;
    private readonly byte[] _kuid;
    private readonly bool _ownsChannel;
    private IDatagramChannel? _channel;
    private IPEndPoint? _remote;

    private SessionKeys? _keys;
    private uint _bmcSessionId;
    private uint _consoleSessionId;
    private uint _outSeq;
    private uint _inHighest;
    private ulong _inSeen;
    private byte _rqSeq;
    private byte _tag;
    private long _lastUsed;
    private bool _capabilitiesChecked;
    private CipherSuite? _suite;
    private bool _disposed;

    /// <summary>Creates a client; with no <paramref name="channel"/> it opens its own UDP socket on first use.</summary>
    public IpmiClient(IpmiClientOptions options, IDatagramChannel? channel = null, IPEndPoint? remote = null,
        TimeProvider? timeProvider = null, ILogger? logger = null, IpmiCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _user = Encoding.UTF8.GetBytes(options.Username);
        if (_user.Length > 16)
        {
            throw new ArgumentException("IPMI user names are at most 16 bytes.", nameof(options));
        }

        _kuid = Rakp.UserKey(options.Password);
        _channel = channel;
        _ownsChannel = channel is null;
        _remote = remote;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _counters = counters ?? new IpmiCounters();
    }

    /// <summary>The cipher suite of the current or last session.</summary>
    public CipherSuite? NegotiatedSuite => _suite;

    /// <summary>Whether a session is open.</summary>
    public bool HasSession => _keys is not null || _bmcSessionId != 0;

    /// <summary>The counters this client writes to.</summary>
    public IpmiCounters Counters => _counters;

    /// <summary>Get Device ID.</summary>
    public async Task<DeviceId> GetDeviceIdAsync(CancellationToken cancellationToken = default) =>
        DeviceId.Parse((await ExecuteAsync(NetFn.App, DeviceId.Command, [], "Get Device ID", cancellationToken).ConfigureAwait(false)).Data);

    /// <summary>Get Chassis Status.</summary>
    public async Task<ChassisStatus> GetChassisStatusAsync(CancellationToken cancellationToken = default) =>
        ChassisStatus.Parse((await ExecuteAsync(NetFn.Chassis, ChassisStatus.Command, [], "Get Chassis Status", cancellationToken).ConfigureAwait(false)).Data);

    /// <summary>Chassis Control (power up/down/cycle/reset/soft).</summary>
    public Task ChassisControlAsync(ChassisControl control, CancellationToken cancellationToken = default) =>
        ExecuteAsync(NetFn.Chassis, ChassisCommands.Control, [(byte)control], $"Chassis Control {control}", cancellationToken);

    /// <summary>Set System Boot Options, parameter 5 (boot flags).</summary>
    public Task SetBootFlagsAsync(BootFlags flags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flags);
        return ExecuteAsync(NetFn.Chassis, ChassisCommands.SetBootOptions, flags.ToRequest(), $"Set Boot Flags {flags.Device}", cancellationToken);
    }

    /// <summary>Get System Boot Options, parameter 5 (boot flags).</summary>
    public async Task<BootFlags> GetBootFlagsAsync(CancellationToken cancellationToken = default) =>
        BootFlags.Parse((await ExecuteAsync(NetFn.Chassis, ChassisCommands.GetBootOptions, BootFlags.GetRequest(), "Get Boot Flags", cancellationToken).ConfigureAwait(false)).Data);

    /// <summary>Chassis Identify: LED on for <paramref name="seconds"/> (0 = off), or indefinitely when <paramref name="force"/>.</summary>
    public Task IdentifyAsync(byte seconds, bool force, CancellationToken cancellationToken = default) =>
        ExecuteAsync(NetFn.Chassis, ChassisCommands.Identify, force ? [seconds, 0x01] : [seconds], "Chassis Identify", cancellationToken);

    /// <summary>Sends a command in the session and throws <see cref="IpmiException"/> on an error completion code.</summary>
    public async Task<IpmiResponse> ExecuteAsync(byte netFn, byte command, byte[] data, string what, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(netFn, command, data, what, cancellationToken).ConfigureAwait(false);
        if (response.CompletionCode != CompletionCodes.Ok)
        {
            throw new IpmiException(IpmiErrorKind.CompletionCode,
                $"BMC {_options.Display}: {what} failed: completion code 0x{response.CompletionCode:x2} ({CompletionCodes.Describe(response.CompletionCode)}).",
                response.CompletionCode);
        }

        return response;
    }

    /// <summary>Sends a command in the session (opened or reopened as needed) and returns the response, whatever its completion code.</summary>
    public async Task<IpmiResponse> SendAsync(byte netFn, byte command, byte[] data, string what, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var reused = await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await SendInSessionAsync(netFn, command, data, what, cancellationToken).ConfigureAwait(false);
            }
            catch (IpmiException e) when (reused && e.Kind is IpmiErrorKind.NoResponse or IpmiErrorKind.InvalidReplies)
            {
                // The BMC may have dropped our session (timeout, reboot): open a fresh one once.
                Log.SessionLost(_logger, _options.Display, e.Message);
                Abort();
                await EnsureSessionAsync(cancellationToken).ConfigureAwait(false);
                return await SendInSessionAsync(netFn, command, data, what, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Closes the session at the BMC (Close Session), if one is open.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await CloseSessionAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            using var cts = new CancellationTokenSource(_options.Timeout * 2, _time);
            await CloseAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IpmiException or SocketException)
        {
            // Best effort: the BMC times the session out anyway.
        }

        _disposed = true;
        if (_ownsChannel && _channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private async Task<bool> EnsureSessionAsync(CancellationToken ct)
    {
        await EnsureChannelAsync(ct).ConfigureAwait(false);
        if (_bmcSessionId != 0)
        {
            if (_time.GetElapsedTime(_lastUsed) < _options.SessionIdleLimit)
            {
                _counters.SessionReused();
                return true;
            }

            await CloseSessionAsync(ct).ConfigureAwait(false);
        }

        await OpenSessionAsync(ct).ConfigureAwait(false);
        return false;
    }

    private async Task EnsureChannelAsync(CancellationToken ct)
    {
        if (_remote is null)
        {
            var address = IPAddress.TryParse(_options.Host, out var a)
                ? a
                : (await Dns.GetHostAddressesAsync(_options.Host, AddressFamily.InterNetwork, ct).ConfigureAwait(false)).FirstOrDefault()
                  ?? throw new IpmiException(IpmiErrorKind.NoResponse, $"BMC {_options.Display}: host name does not resolve to an IPv4 address.");
            _remote = new IPEndPoint(address, _options.Port);
        }

        _channel ??= new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Any, 0) });
    }

    private async Task OpenSessionAsync(CancellationToken ct)
    {
        if (!_capabilitiesChecked && !_options.SkipCapabilitiesProbe)
        {
            var caps = await GetChannelAuthCapabilitiesAsync(ct).ConfigureAwait(false);
            if (!caps.SupportsIpmi20)
            {
                throw new IpmiException(IpmiErrorKind.NotIpmi20, $"BMC {_options.Display}: does not support IPMI v2.0 (RMCP+) on this channel.");
            }

            _capabilitiesChecked = true;
        }

        IReadOnlyList<CipherSuite> suites = _options.CipherSuite is int id ? [CipherSuite.FromId(id)]
            : _suite is not null ? [_suite] : CipherSuite.Preferred;
        var refused = new List<string>();
        foreach (var suite in suites)
        {
            if (await TryOpenWithSuiteAsync(suite, refused, ct).ConfigureAwait(false))
            {
                return;
            }
        }

        throw new IpmiException(IpmiErrorKind.UnsupportedCipherSuite,
            $"BMC {_options.Display}: no usable cipher suite ({string.Join("; ", refused)}).");
    }

    private async Task<bool> TryOpenWithSuiteAsync(CipherSuite suite, List<string> refused, CancellationToken ct)
    {
        var consoleId = NonZeroRandom();
        var privilege = (byte)_options.Privilege;

        // Open Session (IPMI v2.0 §13.17).
        var tag = ++_tag;
        var open = SessionSetup.OpenSessionRequest(tag, privilege, consoleId, suite);
        var openPacket = RmcpPacket.BuildV20(PayloadType.OpenSessionRequest, 0, 0, open, null);
        var response = await ExchangeAsync(() => openPacket, packet =>
        {
            var p = RmcpPacket.ParseV20(packet, null);
            if (p.PayloadType != PayloadType.OpenSessionResponse)
            {
                return null;
            }

            var r = SessionSetup.ParseOpenSessionResponse(p.Payload);
            return r.Tag == tag && (r.Status != 0 || r.ConsoleSessionId == consoleId) ? r : null;
        }, "Open Session", ct).ConfigureAwait(false);

        if (response.Status != 0)
        {
            if (response.Status is 0x04 or 0x05 or 0x06 or 0x07 or 0x10 or 0x11 or 0x12)
            {
                refused.Add($"suite {suite.Id}: RMCP+ status 0x{response.Status:x2} ({SessionSetup.DescribeStatus(response.Status)})");
                return false;
            }

            throw StatusError("Open Session", response.Status);
        }

        if (response.Authentication != suite.Authentication || response.Integrity != suite.Integrity || response.Confidentiality != suite.Confidentiality)
        {
            refused.Add($"suite {suite.Id}: BMC chose {response.Authentication}/{response.Integrity}/{response.Confidentiality}");
            return false;
        }

        var bmcId = response.BmcSessionId;

        // RAKP 1 / 2 (§13.20-13.21). Bit 4 of the role asks for a name-only user lookup.
        var rm = RandomNumberGenerator.GetBytes(16);
        var role = (byte)(privilege | 0x10);
        var tag1 = ++_tag;
        var rakp1 = RmcpPacket.BuildV20(PayloadType.Rakp1, 0, 0, SessionSetup.Rakp1(tag1, bmcId, rm, role, _user), null);
        var rakp2 = await ExchangeAsync(() => rakp1, packet =>
        {
            var p = RmcpPacket.ParseV20(packet, null);
            if (p.PayloadType != PayloadType.Rakp2)
            {
                return null;
            }

            var r = SessionSetup.ParseRakp2(p.Payload, suite.Authentication);
            return r.Tag == tag1 && (r.Status != 0 || r.ConsoleSessionId == consoleId) ? r : null;
        }, "RAKP 1", ct).ConfigureAwait(false);

        if (rakp2.Status != 0)
        {
            throw StatusError("RAKP 2", rakp2.Status);
        }

        var expected = Rakp.Rakp2AuthCode(suite.Authentication, _kuid, consoleId, bmcId, rm, rakp2.BmcRandom, rakp2.BmcGuid, role, _user);
        if (!CryptographicOperations.FixedTimeEquals(expected, rakp2.AuthCode))
        {
            // §13.22: tell the BMC we give up so it frees the session slot; no answer expected.
            var abandon = RmcpPacket.BuildV20(PayloadType.Rakp3, 0, 0, SessionSetup.Rakp3(++_tag, 0x0F, bmcId, []), null);
            await _channel!.SendAsync(_remote!, abandon, ct).ConfigureAwait(false);
            throw new IpmiException(IpmiErrorKind.WrongPassword,
                $"BMC {_options.Display}: credentials rejected for user {_options.Username} (RAKP 2 key exchange code mismatch: wrong password).");
        }

        // RAKP 3 / 4 (§13.22-13.23) and the session keys (§13.31-13.32).
        var sik = Rakp.SessionIntegrityKey(suite.Authentication, _options.BmcKey is { Length: > 0 } kg ? kg : _kuid, rm, rakp2.BmcRandom, role, _user);
        var code3 = Rakp.Rakp3AuthCode(suite.Authentication, _kuid, rakp2.BmcRandom, consoleId, role, _user);
        var tag3 = ++_tag;
        var rakp3 = RmcpPacket.BuildV20(PayloadType.Rakp3, 0, 0, SessionSetup.Rakp3(tag3, 0, bmcId, code3), null);
        var rakp4 = await ExchangeAsync(() => rakp3, packet =>
        {
            var p = RmcpPacket.ParseV20(packet, null);
            if (p.PayloadType != PayloadType.Rakp4)
            {
                return null;
            }

            var r = SessionSetup.ParseRakp4(p.Payload, suite.Authentication);
            return r.Tag == tag3 && (r.Status != 0 || r.ConsoleSessionId == consoleId) ? r : null;
        }, "RAKP 3", ct).ConfigureAwait(false);

        if (rakp4.Status != 0)
        {
            throw StatusError("RAKP 4", rakp4.Status);
        }

        var icv = Rakp.Rakp4Icv(suite.Authentication, sik, rm, bmcId, rakp2.BmcGuid);
        if (!CryptographicOperations.FixedTimeEquals(icv, rakp4.Icv))
        {
            throw new IpmiException(IpmiErrorKind.WrongPassword,
                $"BMC {_options.Display}: credentials rejected for user {_options.Username} (RAKP 4 integrity check mismatch: wrong BMC key Kg).");
        }

        _keys?.Dispose();
        _keys = new SessionKeys(suite, sik);
        _bmcSessionId = bmcId;
        _consoleSessionId = consoleId;
        _outSeq = 0;
        _inHighest = 0;
        _inSeen = 0;
        _suite = suite;
        _counters.SessionOpened();
        Log.SessionOpened(_logger, _options.Display, suite.Id, _options.Username);

        // Sessions start at User privilege; raise to the requested level (§22.18).
        var set = await SendInSessionAsync(NetFn.App, 0x3B, [privilege], "Set Session Privilege Level", ct).ConfigureAwait(false);
        if (set.CompletionCode != CompletionCodes.Ok)
        {
            Abort();
            throw new IpmiException(IpmiErrorKind.PrivilegeRejected,
                $"BMC {_options.Display}: privilege {_options.Privilege} refused for user {_options.Username} (completion code 0x{set.CompletionCode:x2}).");
        }

        return true;
    }

    private IpmiException StatusError(string step, byte status)
    {
        var detail = $"{step} status 0x{status:x2}: {SessionSetup.DescribeStatus(status)}";
        return status switch
        {
            0x0D => new IpmiException(IpmiErrorKind.UnknownUser,
                $"BMC {_options.Display}: credentials rejected for user {_options.Username} (RAKP status 0x0d: unauthorized name)."),
            0x0F => new IpmiException(IpmiErrorKind.WrongPassword,
                $"BMC {_options.Display}: credentials rejected for user {_options.Username} (RAKP status 0x0f: invalid integrity check value)."),
            0x09 or 0x0A => new IpmiException(IpmiErrorKind.PrivilegeRejected,
                $"BMC {_options.Display}: privilege {_options.Privilege} refused for user {_options.Username} ({detail})."),
            0x01 or 0x0B => new IpmiException(IpmiErrorKind.Busy, $"BMC {_options.Display}: no free session ({detail})."),
            _ => new IpmiException(IpmiErrorKind.SessionRejected, $"BMC {_options.Display}: session refused ({detail})."),
        };
    }

    private async Task<ChannelAuthCapabilities> GetChannelAuthCapabilitiesAsync(CancellationToken ct)
    {
        var rqSeq = NextRqSeq();
        var message = IpmiMessage.BuildRequest(NetFn.App, ChannelAuthCapabilities.Command, rqSeq, ChannelAuthCapabilities.Request(_options.Privilege));
        var packet = RmcpPacket.BuildV15(message);
        var response = await ExchangeAsync(() => packet, p =>
        {
            if (RmcpPacket.IsV20(p))
            {
                return null;
            }

            var r = IpmiMessage.ParseResponse(RmcpPacket.ParseV15(p));
            return r.RqSeq == rqSeq && r.Command == ChannelAuthCapabilities.Command ? r : null;
        }, "Get Channel Authentication Capabilities", ct).ConfigureAwait(false);
        if (response.CompletionCode != 0)
        {
            throw new IpmiException(IpmiErrorKind.CompletionCode,
                $"BMC {_options.Display}: Get Channel Authentication Capabilities failed: completion code 0x{response.CompletionCode:x2}.", response.CompletionCode);
        }

        return ChannelAuthCapabilities.Parse(response.Data);
    }

    private async Task<IpmiResponse> SendInSessionAsync(byte netFn, byte command, byte[] data, string what, CancellationToken ct)
    {
        var rqSeq = NextRqSeq();
        var message = IpmiMessage.BuildRequest(netFn, command, rqSeq, data);
        var keys = _keys!;
        var response = await ExchangeAsync(
            // Every transmission gets a new session sequence number: the BMC rejects repeats (§6.12.13).
            () => RmcpPacket.BuildV20(PayloadType.Ipmi, _bmcSessionId, NextOutSeq(), message, keys),
            packet =>
            {
                var p = RmcpPacket.ParseV20(packet, keys, _consoleSessionId);
                if (p.PayloadType != PayloadType.Ipmi)
                {
                    throw new IpmiProtocolException(IpmiRejectReason.UnexpectedFormat, $"Payload type {p.PayloadType} inside the session.");
                }

                CheckReplay(p.Sequence);
                var r = IpmiMessage.ParseResponse(p.Payload);
                return r.RqSeq == rqSeq && r.Command == command && r.NetFn == (netFn | 1) ? r : null;
            }, what, ct).ConfigureAwait(false);
        _lastUsed = _time.GetTimestamp();
        return response;
    }

    /// <summary>Sliding replay window over the BMC's session sequence numbers (IPMI v2.0 §6.12.13).</summary>
    private void CheckReplay(uint sequence)
    {
        if (sequence == 0)
        {
            throw new IpmiProtocolException(IpmiRejectReason.Replayed, "Session sequence number 0 inside a session.");
        }

        if (_inHighest == 0 || sequence > _inHighest)
        {
            var shift = _inHighest == 0 ? 64u : sequence - _inHighest;
            _inSeen = shift >= 64 ? 1UL : (_inSeen << (int)shift) | 1UL;
            _inHighest = sequence;
            return;
        }

        var back = _inHighest - sequence;
        if (back >= 32)
        {
            throw new IpmiProtocolException(IpmiRejectReason.Replayed, $"Session sequence number {sequence} is older than the window ({_inHighest}).");
        }

        var bit = 1UL << (int)back;
        if ((_inSeen & bit) != 0)
        {
            throw new IpmiProtocolException(IpmiRejectReason.Replayed, $"Session sequence number {sequence} was already seen.");
        }

        _inSeen |= bit;
    }

    private delegate T? PacketMatcher<T>(ReadOnlySpan<byte> packet) where T : class;

    /// <summary>Sends and waits for the matching reply, retransmitting on timeout; bad replies are counted and skipped.</summary>
    private async Task<T> ExchangeAsync<T>(Func<byte[]> build, PacketMatcher<T> match, string what, CancellationToken ct) where T : class
    {
        var channel = _channel!;
        var remote = _remote!;
        var rejected = 0;
        IpmiProtocolException? lastReject = null;
        for (var attempt = 0; attempt < Math.Max(1, _options.Tries); attempt++)
        {
            if (attempt > 0)
            {
                _counters.Retransmitted();
            }

            await channel.SendAsync(remote, build(), ct).ConfigureAwait(false);
            using var timeout = new CancellationTokenSource(_options.Timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            while (true)
            {
                ReceivedDatagram received;
                try
                {
                    received = await channel.ReceiveAsync(_buffer, linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    break;
                }
                catch (SocketException)
                {
                    // ICMP unreachable and the like: this try is lost, the next one may work.
                    break;
                }

                if (!received.Remote.Equals(remote))
                {
                    Reject(new IpmiProtocolException(IpmiRejectReason.Unsolicited, $"Datagram from {received.Remote}, expected {remote}."));
                    continue;
                }

                try
                {
                    var result = match(_buffer.AsSpan(0, received.Length));
                    if (result is not null)
                    {
                        return result;
                    }

                    _counters.Reject(IpmiRejectReason.Unsolicited);
                }
                catch (IpmiProtocolException e)
                {
                    rejected++;
                    lastReject = e;
                    Reject(e);
                }
            }
        }

        var tries = Math.Max(1, _options.Tries);
        if (rejected > 0)
        {
            throw new IpmiException(IpmiErrorKind.InvalidReplies,
                $"BMC {_options.Display}: no valid reply to {what} after {tries} tries; {rejected} replies rejected (last: {lastReject!.Reason}: {lastReject.Message})");
        }

        throw new IpmiException(IpmiErrorKind.NoResponse,
            $"BMC {_options.Display}: no answer to {what} after {tries} tries ({_options.Timeout.TotalSeconds:0.###} s each).");
    }

    private void Reject(IpmiProtocolException e)
    {
        _counters.Reject(e.Reason);
        if (_counters.ShouldLog(e.Reason, _time.GetUtcNow()))
        {
            Log.PacketRejected(_logger, _options.Display, e.Reason, e.Message);
        }
    }

    private async Task CloseSessionAsync(CancellationToken ct)
    {
        if (_bmcSessionId == 0 || _keys is null)
        {
            Abort();
            return;
        }

        var id = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(id, _bmcSessionId);
        var message = IpmiMessage.BuildRequest(NetFn.App, 0x3C, NextRqSeq(), id);
        try
        {
            // One datagram, no wait: the BMC frees the slot whether or not we read its answer.
            await _channel!.SendAsync(_remote!, RmcpPacket.BuildV20(PayloadType.Ipmi, _bmcSessionId, NextOutSeq(), message, _keys), ct).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // Best effort.
        }

        Abort();
    }

    /// <summary>Forgets the session locally (the one place session state is torn down).</summary>
    private void Abort()
    {
        _keys?.Dispose();
        _keys = null;
        _bmcSessionId = 0;
        _consoleSessionId = 0;
    }

    private byte NextRqSeq()
    {
        _rqSeq = (byte)((_rqSeq + 1) & 0x3F);
        return _rqSeq;
    }

    private uint NextOutSeq()
    {
        _outSeq++;
        if (_outSeq == 0)
        {
            _outSeq = 1;
        }

        return _outSeq;
    }

    private static uint NonZeroRandom()
    {
        uint v;
        do
        {
            v = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
        }
        while (v == 0);
        return v;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "IPMI session opened to {BmcAddress} (cipher suite {Suite}, user {User})")]
        public static partial void SessionOpened(ILogger logger, string bmcAddress, int suite, string user);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "IPMI reply from {BmcAddress} rejected ({Reason}): {Detail}")]
        public static partial void PacketRejected(ILogger logger, string bmcAddress, IpmiRejectReason reason, string detail);

        [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "IPMI session to {BmcAddress} lost, reopening: {Detail}")]
        public static partial void SessionLost(ILogger logger, string bmcAddress, string detail);
    }
}
