using System.Collections.Concurrent;
using System.Globalization;
using Provisioner.Core.Power;
using Provisioner.Snmp;

namespace Provisioner.Power.SnmpPdu;

/// <summary>
/// Switched PDU outlets over SNMPv2c (APC PowerNet-MIB by default, OIDs configurable per model).
/// A node may be fed by several outlets (dual power supplies): all are switched together, and the
/// node counts as on while any of them is on. Outlets on a second PDU are written "host[:port]/n".
/// </summary>
public sealed class SnmpPduPowerDriver : IPowerDriver, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ISnmpClient> _clients = new(StringComparer.Ordinal);
    private readonly Func<string, int, string, PowerTarget, ISnmpClient> _clientFactory;
    private readonly TimeProvider _time;

    /// <summary>Creates the driver; <paramref name="clientFactory"/> (host, port, community, target) replaces the UDP client in tests.</summary>
    public SnmpPduPowerDriver(Func<string, int, string, PowerTarget, ISnmpClient>? clientFactory = null, TimeProvider? timeProvider = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _clientFactory = clientFactory ?? ((host, port, community, target) => new SnmpClient(new SnmpClientOptions
        {
            Host = host,
            Port = port,
            Community = community,
            Timeout = TimeSpan.FromMilliseconds(TargetSettings.Int(target, "timeout_ms", 1000)),
            Tries = TargetSettings.Int(target, "tries", 3),
        }, timeProvider: _time));
    }

    /// <inheritdoc/>
    public string Name => "snmp-pdu";

    /// <inheritdoc/>
    public IReadOnlyList<PowerSetting> Settings { get; } =
    [
        new("outlets", "Outlet numbers feeding this node, e.g. \"3\" or \"3,4\" or \"3,pdu-b/3\".", Required: true, Scope: PowerSettingScope.Node),
        new("pdu_model", "apc-spdu (sPDUOutletCtl), apc-rpdu or custom.", DefaultValue: "apc-spdu"),
        new("control_oid", "Outlet control column (outlet number appended)."),
        new("status_oid", "Outlet status column (defaults to the model's)."),
        new("on_value", "Value written to switch on."),
        new("off_value", "Value written to switch off."),
        new("reboot_value", "Value written to cycle; 0 switches off then on."),
        new("status_on_value", "Status value meaning on."),
        new("status_off_value", "Status value meaning off."),
        new("cycle_delay_s", "Seconds off during a cycle without a reboot command.", DefaultValue: "5"),
        new("timeout_ms", "Wait for one reply.", DefaultValue: "1000"),
        new("tries", "Transmissions per request.", DefaultValue: "3"),
    ];

    /// <inheritdoc/>
    public PowerDriverCapabilities Capabilities =>
        PowerDriverCapabilities.Query | PowerDriverCapabilities.OnOff | PowerDriverCapabilities.Cycle | PowerDriverCapabilities.Reset
        | PowerDriverCapabilities.SharedEndpoint;

    /// <inheritdoc/>
    public async ValueTask<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken)
    {
        var model = PduModel.For(target);
        var anyOn = false;
        foreach (var group in Outlets(target).GroupBy(o => (o.Host, o.Port)))
        {
            var client = Client(target, group.Key.Host, group.Key.Port);
            var binds = await Call(target, () => client.GetAsync(group.Select(o => model.StatusColumn.Append(o.Number)).ToList(), cancellationToken)).ConfigureAwait(false);
            foreach (var b in binds)
            {
                if (b.Value.Type != SnmpType.Integer)
                {
                    throw new PowerException($"{target}: outlet status {b.Oid} is {b.Value.Type}, not an integer.", PowerErrorKind.ProtocolError, false);
                }

                if (b.Value.Integer == model.OnStatus)
                {
                    anyOn = true;
                }
                else if (b.Value.Integer != model.OffStatus)
                {
                    throw new PowerException(string.Create(CultureInfo.InvariantCulture, $"{target}: outlet status {b.Oid} = {b.Value.Integer} is neither on ({model.OnStatus}) nor off ({model.OffStatus})."),
                        PowerErrorKind.ProtocolError, false);
                }
            }
        }

        return anyOn ? PowerState.On : PowerState.Off;
    }

    /// <inheritdoc/>
    public async ValueTask ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken)
    {
        var model = PduModel.For(target);
        switch (action)
        {
            case PowerAction.On:
                await WriteAllAsync(target, model, model.OnCommand, cancellationToken).ConfigureAwait(false);
                break;
            case PowerAction.Off:
                await WriteAllAsync(target, model, model.OffCommand, cancellationToken).ConfigureAwait(false);
                break;
            case PowerAction.Cycle or PowerAction.Reset when model.RebootCommand is int reboot:
                await WriteAllAsync(target, model, reboot, cancellationToken).ConfigureAwait(false);
                break;
            case PowerAction.Cycle or PowerAction.Reset:
                await WriteAllAsync(target, model, model.OffCommand, cancellationToken).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromSeconds(TargetSettings.Int(target, "cycle_delay_s", 5)), _time, cancellationToken).ConfigureAwait(false);
                await WriteAllAsync(target, model, model.OnCommand, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new PowerException($"{target}: a PDU cannot {action}: it only switches outlets.", PowerErrorKind.Unsupported, false);
        }
    }

    /// <inheritdoc/>
    public ValueTask SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken) =>
        throw new PowerException($"{target}: a PDU cannot choose the boot device.", PowerErrorKind.Unsupported, false);

    /// <inheritdoc/>
    public ValueTask<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken) =>
        throw new PowerException($"{target}: a PDU cannot read the boot device.", PowerErrorKind.Unsupported, false);

    /// <inheritdoc/>
    public ValueTask IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken) =>
        throw new PowerException($"{target}: a PDU has no identify LED per node.", PowerErrorKind.Unsupported, false);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients.Values.OfType<IAsyncDisposable>())
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }

        _clients.Clear();
    }

    private async Task WriteAllAsync(PowerTarget target, PduModel model, int value, CancellationToken ct)
    {
        // One SET per PDU carrying every outlet of the node, so both feeds switch together.
        foreach (var group in Outlets(target).GroupBy(o => (o.Host, o.Port)))
        {
            var client = Client(target, group.Key.Host, group.Key.Port);
            var binds = group.Select(o => new VarBind(model.ControlColumn.Append(o.Number), SnmpValue.FromInt(value))).ToList();
            await Call(target, () => client.SetAsync(binds, ct)).ConfigureAwait(false);
        }
    }

    private ISnmpClient Client(PowerTarget target, string host, int port)
    {
        var community = TargetSettings.Required(target.Secret, target, "the SNMP community (secret)");
        return _clients.GetOrAdd($"{host}:{port}:{community}", _ => _clientFactory(host, port, community, target));
    }

    private static async Task<T> Call<T>(PowerTarget target, Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (SnmpException e)
        {
            throw e.Kind switch
            {
                SnmpErrorKind.NoResponse => new PowerException($"{target}: {e.Message}", PowerErrorKind.NoResponse, true, e),
                SnmpErrorKind.NoSuchName => new PowerException($"{target}: {e.Message} (wrong outlet number or PDU model?)", PowerErrorKind.Misconfigured, false, e),
                // noAccess / authorizationError / notWritable: a read-only community.
                _ when e.ErrorStatus is 6 or 16 or 17 or 4 => new PowerException($"{target}: {e.Message} (is the community read-write?)", PowerErrorKind.CredentialsRejected, false, e),
                _ => new PowerException($"{target}: {e.Message}", PowerErrorKind.Rejected, e.ErrorStatus is 5 or 13, e),
            };
        }
    }

    private static List<(string Host, int Port, uint Number)> Outlets(PowerTarget target)
    {
        var text = target.Setting("outlets") ?? throw TargetSettings.Misconfigured(target, "setting 'outlets' is required");
        var list = new List<(string, int, uint)>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = TargetSettings.Required(target.Address, target, "the PDU address");
            var port = target.Port ?? 161;
            var number = raw;
            var slash = raw.LastIndexOf('/');
            if (slash > 0)
            {
                var hostPart = raw[..slash];
                number = raw[(slash + 1)..];
                var colon = hostPart.LastIndexOf(':');
                host = colon > 0 ? hostPart[..colon] : hostPart;
                port = colon > 0 && int.TryParse(hostPart[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 161;
            }

            if (!uint.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n == 0)
            {
                throw TargetSettings.Misconfigured(target, $"outlet '{raw}' is not a positive number");
            }

            list.Add((host, port, n));
        }

        return list.Count > 0 ? list : throw TargetSettings.Misconfigured(target, "setting 'outlets' names no outlet");
    }
}
