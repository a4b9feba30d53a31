using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Net;

namespace Provisioner.Snmp;

/// <summary>How to reach one SNMP agent.</summary>
public sealed record SnmpClientOptions
{
    /// <summary>Agent host name or IPv4 address.</summary>
    public required string Host { get; init; }

    /// <summary>UDP port (161).</summary>
    public int Port { get; init; } = 161;

    /// <summary>Community string.</summary>
    public required string Community { get; init; }

    /// <summary>Wait for one reply before retransmitting.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Transmissions per request.</summary>
    public int Tries { get; init; } = 3;

    /// <summary>"host:port" for messages.</summary>
    public string Display => Port == 161 ? Host : $"{Host}:{Port}";
}

/// <summary>SNMPv2c GET / GETNEXT / SET.</summary>
public interface ISnmpClient
{
    /// <summary>GET of one or more variables.</summary>
    Task<IReadOnlyList<VarBind>> GetAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default);

    /// <summary>GETNEXT: the variables following each OID.</summary>
    Task<IReadOnlyList<VarBind>> GetNextAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default);

    /// <summary>SET; returns the agent's response bindings.</summary>
    Task<IReadOnlyList<VarBind>> SetAsync(IReadOnlyList<VarBind> binds, CancellationToken cancellationToken = default);
}

/// <summary>
/// An SNMPv2c client for one agent over UDP, with retries, request-id matching and rejection (and
/// counting) of malformed or foreign datagrams. One request at a time per client.
/// </summary>
public sealed partial class SnmpClient : ISnmpClient, IAsyncDisposable
{
    private readonly SnmpClientOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly byte[] _buffer = new byte[65535];
    private readonly bool _ownsChannel;
    private IDatagramChannel? _channel;
    private IPEndPoint? _remote;
    private long _rejected;

    /// <summary>Creates a client; with no channel it opens its own socket on first use.</summary>
    public SnmpClient(SnmpClientOptions options, IDatagramChannel? channel = null, IPEndPoint? remote = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _channel = channel;
        _ownsChannel = channel is null;
        _remote = remote;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Datagrams dropped as malformed, foreign or for another request.</summary>
    public long Rejected => Interlocked.Read(ref _rejected);

    /// <inheritdoc/>
    public Task<IReadOnlyList<VarBind>> GetAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        RequestAsync(PduType.GetRequest, oids.Select(o => new VarBind(o, SnmpValue.Null)).ToList(), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<VarBind>> GetNextAsync(IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default) =>
        RequestAsync(PduType.GetNextRequest, oids.Select(o => new VarBind(o, SnmpValue.Null)).ToList(), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<VarBind>> SetAsync(IReadOnlyList<VarBind> binds, CancellationToken cancellationToken = default) =>
        RequestAsync(PduType.SetRequest, binds, cancellationToken);

    /// <summary>Walks a subtree with GETNEXT (bounded to <paramref name="limit"/> variables).</summary>
    public async Task<IReadOnlyList<VarBind>> WalkAsync(Oid root, int limit = 10_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        var result = new List<VarBind>();
        var current = root;
        while (result.Count < limit)
        {
            var next = (await GetNextAsync([current], cancellationToken).ConfigureAwait(false))[0];
            if (next.Value.IsException || !root.IsPrefixOf(next.Oid) || next.Oid.CompareTo(current) <= 0)
            {
                break;
            }

            result.Add(next);
            current = next.Oid;
        }

        return result;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_ownsChannel && _channel is not null)
        {
            await _channel.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }

    private async Task<IReadOnlyList<VarBind>> RequestAsync(PduType type, IReadOnlyList<VarBind> binds, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await EnsureChannelAsync(ct).ConfigureAwait(false);
            var requestId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
            var packet = new SnmpMessage(_options.Community, type, requestId, 0, 0, binds).Encode();
            var tries = Math.Max(1, _options.Tries);
            for (var attempt = 0; attempt < tries; attempt++)
            {
                await _channel!.SendAsync(_remote!, packet, ct).ConfigureAwait(false);
                using var timeout = new CancellationTokenSource(_options.Timeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                while (true)
                {
                    ReceivedDatagram d;
                    try
                    {
                        d = await _channel.ReceiveAsync(_buffer, linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        break;
                    }
                    catch (SocketException)
                    {
                        break;
                    }

                    SnmpMessage response;
                    try
                    {
                        if (!d.Remote.Equals(_remote))
                        {
                            throw new SnmpProtocolException($"Datagram from {d.Remote}, expected {_remote}.");
                        }

                        response = SnmpMessage.Decode(_buffer.AsSpan(0, d.Length));
                        if (response.Type != PduType.Response || response.RequestId != requestId || response.Community != _options.Community)
                        {
                            throw new SnmpProtocolException("Response for another request.");
                        }
                    }
                    catch (SnmpProtocolException e)
                    {
                        Interlocked.Increment(ref _rejected);
                        Log.Rejected(_logger, _options.Display, e.Message);
                        continue;
                    }

                    return Check(type, binds, response);
                }
            }

            throw new SnmpException(SnmpErrorKind.NoResponse,
                $"SNMP agent {_options.Display}: no answer to {type} after {tries} tries ({_options.Timeout.TotalSeconds:0.###} s each; wrong community also looks like this).");
        }
        finally
        {
            _gate.Release();
        }
    }

    private IReadOnlyList<VarBind> Check(PduType type, IReadOnlyList<VarBind> request, SnmpMessage response)
    {
        if (response.ErrorStatus != 0)
        {
            var which = response.ErrorIndex >= 1 && response.ErrorIndex <= request.Count ? $" on {request[response.ErrorIndex - 1].Oid}" : string.Empty;
            throw new SnmpException(SnmpErrorKind.ErrorStatus,
                $"SNMP agent {_options.Display}: {type} failed: {SnmpException.DescribeErrorStatus(response.ErrorStatus)} ({response.ErrorStatus}){which}.",
                response.ErrorStatus);
        }

        if (response.VarBinds.Count != request.Count)
        {
            throw new SnmpException(SnmpErrorKind.ErrorStatus,
                $"SNMP agent {_options.Display}: {type} answered {response.VarBinds.Count} bindings for {request.Count}.", 5);
        }

        if (type == PduType.GetRequest)
        {
            foreach (var vb in response.VarBinds)
            {
                if (vb.Value.IsException)
                {
                    throw new SnmpException(SnmpErrorKind.NoSuchName, $"SNMP agent {_options.Display}: {vb.Oid} does not exist ({vb.Value.Type}).");
                }
            }
        }

        return response.VarBinds;
    }

    private async Task EnsureChannelAsync(CancellationToken ct)
    {
        if (_remote is null)
        {
            var address = IPAddress.TryParse(_options.Host, out var a)
                ? a
                : (await Dns.GetHostAddressesAsync(_options.Host, AddressFamily.InterNetwork, ct).ConfigureAwait(false)).FirstOrDefault()
                  ?? throw new SnmpException(SnmpErrorKind.NoResponse, $"SNMP agent {_options.Display}: host name does not resolve.");
            _remote = new IPEndPoint(address, _options.Port);
        }

        _channel ??= new UdpDatagramChannel(new UdpChannelSettings { Bind = new IPEndPoint(IPAddress.Any, 0) });
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4301, Level = LogLevel.Debug, Message = "SNMP datagram from agent {Agent} dropped: {Detail}")]
        public static partial void Rejected(ILogger logger, string agent, string detail);
    }
}
