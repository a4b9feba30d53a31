using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Provisioner.Core.Power;

namespace Provisioner.Power.Redfish;

/// <summary>
/// Redfish (DMTF DSP0266 / ComputerSystem schema): ComputerSystem.Reset, boot source override with
/// If-Match on the system's ETag, PowerState, identify LED; session or basic authentication; TLS
/// verification configurable, including pinning a self-signed BMC certificate by SHA-256 fingerprint.
/// </summary>
public sealed class RedfishPowerDriver : IPowerDriver, IDisposable
{
    private readonly ConcurrentDictionary<string, RedfishConnection> _connections = new(StringComparer.Ordinal);
    private readonly Func<PowerTarget, HttpMessageHandler>? _handlerFactory;

    /// <summary>Creates the driver; <paramref name="handlerFactory"/> replaces the HTTP handler (tests).</summary>
    public RedfishPowerDriver(Func<PowerTarget, HttpMessageHandler>? handlerFactory = null) => _handlerFactory = handlerFactory;

    /// <inheritdoc/>
    public string Name => "redfish";

    /// <inheritdoc/>
    public IReadOnlyList<PowerSetting> Settings { get; } =
    [
        new("system_id", "ComputerSystem id or path; empty takes the only member of /redfish/v1/Systems.", Scope: PowerSettingScope.Node),
        new("auth", "session (X-Auth-Token) or basic.", DefaultValue: "session"),
        new("verify_tls", "Verify the BMC certificate chain and name.", DefaultValue: "true"),
        new("tls_fingerprint", "SHA-256 fingerprint of a self-signed BMC certificate to trust (pinning)."),
        new("scheme", "https or http.", DefaultValue: "https"),
        new("timeout_ms", "HTTP request timeout.", DefaultValue: "15000"),
    ];

    /// <inheritdoc/>
    public PowerDriverCapabilities Capabilities =>
        PowerDriverCapabilities.Query | PowerDriverCapabilities.OnOff | PowerDriverCapabilities.SoftOff | PowerDriverCapabilities.Cycle
        | PowerDriverCapabilities.Reset | PowerDriverCapabilities.SetBootDevice | PowerDriverCapabilities.GetBootDevice | PowerDriverCapabilities.Identify;

    /// <inheritdoc/>
    public async ValueTask<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken)
    {
        var (_, system) = await GetSystemAsync(target, cancellationToken).ConfigureAwait(false);
        return ToState(system.Body?["PowerState"]?.GetValue<string>());
    }

    /// <inheritdoc/>
    public async ValueTask ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken)
    {
        var (c, system) = await GetSystemAsync(target, cancellationToken).ConfigureAwait(false);
        var reset = system.Body?["Actions"]?["#ComputerSystem.Reset"];
        var actionTarget = reset?["target"]?.GetValue<string>()
            ?? throw new PowerException($"{target}: the system offers no #ComputerSystem.Reset action.", PowerErrorKind.Unsupported, false);
        var allowed = reset?["ResetType@Redfish.AllowableValues"]?.AsArray().Select(v => v?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var isOn = ToState(system.Body?["PowerState"]?.GetValue<string>()) == PowerState.On;
        string[] candidates = action switch
        {
            PowerAction.On => ["On", "ForceOn"],
            PowerAction.Off => ["ForceOff"],
            PowerAction.SoftOff => ["GracefulShutdown"],
            // A cycle or reset of a machine that is off means "make it run", as with IPMI.
            PowerAction.Cycle => isOn ? ["PowerCycle", "ForceRestart"] : ["On", "ForceOn"],
            PowerAction.Reset => isOn ? ["ForceRestart", "PowerCycle"] : ["On", "ForceOn"],
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
        var resetType = allowed is null ? candidates[0] : candidates.FirstOrDefault(allowed.Contains)
            ?? throw new PowerException($"{target}: the BMC does not allow {string.Join(" or ", candidates)} (allowed: {string.Join(", ", allowed)}).", PowerErrorKind.Unsupported, false);
        var reply = await c.SendAsync(HttpMethod.Post, actionTarget, new JsonObject { ["ResetType"] = resetType }, null, cancellationToken).ConfigureAwait(false);
        if ((int)reply.Status is < 200 or > 299)
        {
            throw c.Error($"ComputerSystem.Reset {resetType}", reply);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken)
    {
        var (c, system) = await GetSystemAsync(target, cancellationToken).ConfigureAwait(false);
        var bootTarget = ToRedfishTarget(setting.Device);
        var allowedTargets = system.Body?["Boot"]?["BootSourceOverrideTarget@Redfish.AllowableValues"]?.AsArray().Select(v => v?.GetValue<string>()).ToList();
        if (allowedTargets is not null && !allowedTargets.Contains(bootTarget))
        {
            throw new PowerException($"{target}: the BMC does not offer boot target {bootTarget}.", PowerErrorKind.Unsupported, false);
        }

        var boot = new JsonObject
        {
            ["BootSourceOverrideTarget"] = bootTarget,
            ["BootSourceOverrideEnabled"] = setting.Device == BootDevice.None ? "Disabled" : setting.Persistent ? "Continuous" : "Once",
        };
        if (setting.Mode != BootMode.Unspecified)
        {
            boot["BootSourceOverrideMode"] = setting.Mode == BootMode.Uefi ? "UEFI" : "Legacy";
        }

        var etag = system.ETag;
        var reply = await c.SendAsync(HttpMethod.Patch, c.SystemPath!, new JsonObject { ["Boot"] = boot }, etag, cancellationToken).ConfigureAwait(false);
        if (reply.Status is HttpStatusCode.PreconditionFailed or HttpStatusCode.PreconditionRequired)
        {
            // The system changed since we read it (or the BMC insists on If-Match): read the ETag again once.
            (_, system) = await GetSystemAsync(target, cancellationToken).ConfigureAwait(false);
            reply = await c.SendAsync(HttpMethod.Patch, c.SystemPath!, new JsonObject { ["Boot"] = boot.DeepClone() }, system.ETag, cancellationToken).ConfigureAwait(false);
        }

        if ((int)reply.Status is < 200 or > 299)
        {
            throw c.Error($"setting boot source override {bootTarget}", reply);
        }

        var readBack = await GetBootDeviceAsync(target, cancellationToken).ConfigureAwait(false);
        var expected = setting.Device == BootDevice.None ? (BootDeviceSetting?)null : setting;
        if (readBack?.Device != expected?.Device || (expected is { } e && (readBack!.Value.Persistent != e.Persistent
            || (e.Mode != BootMode.Unspecified && readBack.Value.Mode != BootMode.Unspecified && readBack.Value.Mode != e.Mode))))
        {
            throw new PowerException($"{target}: boot device set to {setting} but the BMC reads back {readBack?.ToString() ?? "no override"}.", PowerErrorKind.NotConfirmed, false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken)
    {
        var (_, system) = await GetSystemAsync(target, cancellationToken).ConfigureAwait(false);
        var boot = system.Body?["Boot"];
        var enabled = boot?["BootSourceOverrideEnabled"]?.GetValue<string>();
        var device = boot?["BootSourceOverrideTarget"]?.GetValue<string>() switch
        {
            "Pxe" or "UefiHttp" => BootDevice.Pxe,
            "Hdd" => BootDevice.Disk,
            "BiosSetup" => BootDevice.BiosSetup,
            "Cd" => BootDevice.Cdrom,
            _ => BootDevice.None,
        };
        if (enabled is null or "Disabled" || device == BootDevice.None)
        {
            return null;
        }

        var mode = boot?["BootSourceOverrideMode"]?.GetValue<string>() switch
        {
            "UEFI" => BootMode.Uefi,
            "Legacy" => BootMode.Legacy,
            _ => BootMode.Unspecified,
        };
        return new BootDeviceSetting(device, enabled == "Continuous", mode);
    }

    /// <inheritdoc/>
    public async ValueTask IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var (c, system) = await GetSystemAsync(target, cancellationToken).ConfigureAwait(false);
        var on = duration != TimeSpan.Zero;
        // LocationIndicatorActive replaced IndicatorLED in ComputerSystem v1.13; use what the BMC has.
        JsonObject patch = system.Body?["LocationIndicatorActive"] is not null
            ? new JsonObject { ["LocationIndicatorActive"] = on }
            : new JsonObject { ["IndicatorLED"] = on ? "Blinking" : "Off" };
        var reply = await c.SendAsync(HttpMethod.Patch, c.SystemPath!, patch, system.ETag, cancellationToken).ConfigureAwait(false);
        if ((int)reply.Status is < 200 or > 299)
        {
            throw c.Error("identify", reply);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var c in _connections.Values)
        {
            c.Dispose();
        }

        _connections.Clear();
    }

    private async Task<(RedfishConnection Connection, RedfishReply System)> GetSystemAsync(PowerTarget target, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(target);
        var key = $"{target.Address}:{target.Port}:{target.Username}:{target.Secret?.GetHashCode(StringComparison.Ordinal)}:{target.Setting("tls_fingerprint")}:{target.Setting("verify_tls")}:{target.Setting("auth")}";
        var c = _connections.GetOrAdd(key, _ => new RedfishConnection(target, _handlerFactory?.Invoke(target)));
        var path = target.Setting("system_id") is { } id ? (id.StartsWith('/') ? id : $"/redfish/v1/Systems/{id}") : c.SystemPath;
        if (path is null)
        {
            var collection = await c.SendAsync(HttpMethod.Get, "/redfish/v1/Systems", null, null, ct).ConfigureAwait(false);
            if (collection.Status != HttpStatusCode.OK)
            {
                throw c.Error("listing /redfish/v1/Systems", collection);
            }

            var members = collection.Body?["Members"]?.AsArray().Select(m => m?["@odata.id"]?.GetValue<string>()).OfType<string>().ToList() ?? [];
            path = members.Count == 1 ? members[0]
                : throw TargetSettings.Misconfigured(target, $"the BMC has {members.Count} systems; set system_id to one of: {string.Join(", ", members)}");
        }

        c.SystemPath = path;
        var system = await c.SendAsync(HttpMethod.Get, path, null, null, ct).ConfigureAwait(false);
        if (system.Status != HttpStatusCode.OK)
        {
            throw c.Error($"reading {path}", system);
        }

        return (c, system);
    }

    private static PowerState ToState(string? s) => s switch
    {
        "On" => PowerState.On,
        "Off" => PowerState.Off,
        _ => PowerState.Unknown, // PoweringOn, PoweringOff, Paused: in transition
    };

    private static string ToRedfishTarget(BootDevice d) => d switch
    {
        BootDevice.None => "None",
        BootDevice.Pxe => "Pxe",
        BootDevice.Disk => "Hdd",
        BootDevice.BiosSetup => "BiosSetup",
        BootDevice.Cdrom => "Cd",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
