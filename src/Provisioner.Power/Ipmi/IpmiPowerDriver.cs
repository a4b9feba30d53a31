using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Provisioner.Core.Power;
using Provisioner.Ipmi;
using Provisioner.Ipmi.Commands;

namespace Provisioner.Power.Ipmi;

/// <summary>
/// IPMI 2.0 over LAN (RMCP+) with our own client. One client (and so one session) per BMC and user is
/// kept and reused across calls, so a monitor round costs one round trip per BMC after the first.
/// </summary>
public sealed class IpmiPowerDriver : IPowerDriver, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, IpmiClient> _clients = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly Func<PowerTarget, IpmiClientOptions, IpmiClient>? _clientFactory;

    /// <summary>Creates the driver; <paramref name="clientFactory"/> lets tests put clients inside a namespace.</summary>
    public IpmiPowerDriver(TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IpmiCounters? counters = null,
        Func<PowerTarget, IpmiClientOptions, IpmiClient>? clientFactory = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory;
        Counters = counters ?? new IpmiCounters();
        _clientFactory = clientFactory;
    }

    /// <summary>Counters of every client of this driver.</summary>
    public IpmiCounters Counters { get; }

    /// <inheritdoc/>
    public string Name => "ipmi";

    /// <inheritdoc/>
    public IReadOnlyList<PowerSetting> Settings { get; } =
    [
        new("cipher_suite", "RMCP+ cipher suite (3 or 17); empty picks the strongest the BMC offers.", DefaultValue: null),
        new("privilege", "Session privilege: operator or administrator.", DefaultValue: "administrator"),
        new("kg", "BMC key Kg in hex, for BMCs with two-key login.", IsSecret: true),
        new("timeout_ms", "Wait for one reply before retransmitting.", DefaultValue: "1000"),
        new("tries", "Transmissions per request.", DefaultValue: "3"),
        new("boot_mode", "Firmware mode when a boot request does not say: uefi or legacy.", DefaultValue: "uefi"),
        new("cycle_off_timeout_s", "Power cycle: how long to wait for the node to show off before switching it on.", DefaultValue: "60"),
    ];

    /// <inheritdoc/>
    public PowerDriverCapabilities Capabilities =>
        PowerDriverCapabilities.Query | PowerDriverCapabilities.OnOff | PowerDriverCapabilities.SoftOff | PowerDriverCapabilities.Cycle
        | PowerDriverCapabilities.Reset | PowerDriverCapabilities.SetBootDevice | PowerDriverCapabilities.GetBootDevice | PowerDriverCapabilities.Identify;

    /// <inheritdoc/>
    public ValueTask<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken) =>
        CallAsync(target, async c => (await c.GetChassisStatusAsync(cancellationToken).ConfigureAwait(false)).PowerOn ? PowerState.On : PowerState.Off);

    /// <inheritdoc/>
    public async ValueTask ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken) =>
        await CallAsync(target, async c =>
        {
            var control = action switch
            {
                PowerAction.On => ChassisControl.PowerUp,
                PowerAction.Off => ChassisControl.PowerDown,
                PowerAction.SoftOff => ChassisControl.SoftShutdown,
                PowerAction.Cycle => ChassisControl.PowerCycle,
                PowerAction.Reset => ChassisControl.HardReset,
                _ => throw new ArgumentOutOfRangeException(nameof(action)),
            };
            var isOn = action is not (PowerAction.Cycle or PowerAction.Reset) || (await c.GetChassisStatusAsync(cancellationToken).ConfigureAwait(false)).PowerOn;
            if (!isOn)
            {
                // IPMI v2.0 §28.3: cycle and reset do nothing to a machine that is off; the caller wants it running.
                control = ChassisControl.PowerUp;
            }
            else if (action == PowerAction.Cycle)
            {
                // A cycle cannot be confirmed by reading "on" afterwards (it was on before), and BMCs differ in how long
                // they keep it off. Like Ironic's reboot: switch off, wait until the BMC reads off, then switch on.
                await c.ChassisControlAsync(ChassisControl.PowerDown, cancellationToken).ConfigureAwait(false);
                await WaitForOffAsync(c, target, cancellationToken).ConfigureAwait(false);
                control = ChassisControl.PowerUp;
            }

            await c.ChassisControlAsync(control, cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

    private async Task WaitForOffAsync(IpmiClient c, PowerTarget target, CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromSeconds(TargetSettings.Int(target, "cycle_off_timeout_s", 60));
        var started = _time.GetTimestamp();
        while ((await c.GetChassisStatusAsync(cancellationToken).ConfigureAwait(false)).PowerOn)
        {
            if (_time.GetElapsedTime(started) >= limit)
            {
                throw new PowerException(
                    $"{target}: power cycle: the node still reads on {limit.TotalSeconds:0} s after power down; check the BMC or raise cycle_off_timeout_s.",
                    PowerErrorKind.NotConfirmed, isTransient: false);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken)
    {
        var mode = setting.Mode != BootMode.Unspecified ? setting.Mode
            : string.Equals(target.Setting("boot_mode", "uefi"), "legacy", StringComparison.OrdinalIgnoreCase) ? BootMode.Legacy : BootMode.Uefi;
        var flags = new BootFlags(true, setting.Persistent, mode == BootMode.Uefi, ToSelector(setting.Device));
        var readBack = await CallAsync(target, async c =>
        {
            await c.SetBootFlagsAsync(flags, cancellationToken).ConfigureAwait(false);
            return await c.GetBootFlagsAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        // Some BMCs (ipmi_sim among them) report the device but not the valid/persistent/EFI bits;
        // the device must match, the bits only when the BMC says they are valid.
        if (readBack.Device != flags.Device || (readBack.Valid && (readBack.Persistent != flags.Persistent || readBack.Efi != flags.Efi)))
        {
            throw new PowerException(
                $"{target}: boot device set to {setting} but the BMC reads back {readBack.Device} ({(readBack.Persistent ? "persistent" : "once")}, {(readBack.Efi ? "UEFI" : "legacy")}).",
                PowerErrorKind.NotConfirmed, isTransient: false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken)
    {
        var f = await CallAsync(target, c => c.GetBootFlagsAsync(cancellationToken)).ConfigureAwait(false);
        if (f.Device == BootDeviceSelector.NoOverride)
        {
            return null;
        }

        var mode = f.Valid ? (f.Efi ? BootMode.Uefi : BootMode.Legacy) : BootMode.Unspecified;
        return new BootDeviceSetting(FromSelector(f.Device), f.Valid && f.Persistent, mode);
    }

    /// <inheritdoc/>
    public async ValueTask IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var seconds = duration is null ? (byte)0 : (byte)Math.Clamp(Math.Ceiling(duration.Value.TotalSeconds), 0, 255);
        await CallAsync(target, async c =>
        {
            await c.IdentifyAsync(seconds, force: duration is null, cancellationToken).ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    /// <summary>Closes every session.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients.Values)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }

        _clients.Clear();
    }

    private async ValueTask<T> CallAsync<T>(PowerTarget target, Func<IpmiClient, Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(target);
        var client = GetClient(target);
        try
        {
            return await call(client).ConfigureAwait(false);
        }
        catch (IpmiException e)
        {
            throw Translate(e);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // No route, host unreachable, port refused: the BMC cannot be reached from here (the management network).
            throw new PowerException(
                $"BMC {target.Address}:{target.Port ?? 623}: {e.Message} ({e.SocketErrorCode}); check the BMC address and that this appliance has a route to the management network.",
                PowerErrorKind.NoResponse, isTransient: true, e);
        }
    }

    private IpmiClient GetClient(PowerTarget target)
    {
        var address = TargetSettings.Required(target.Address, target, "the BMC address");
        var user = target.Username ?? string.Empty;
        var secret = target.Secret ?? string.Empty;
        // Key on credentials too, so a password change gets a fresh session instead of a stale one.
        var key = $"{address}:{target.Port ?? 623}:{user}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret + "\0" + target.Setting("kg") + "\0" + target.Setting("cipher_suite"))))}";
        return _clients.GetOrAdd(key, _ =>
        {
            int? suite = target.Setting("cipher_suite") is null ? null : TargetSettings.Int(target, "cipher_suite", 3);
            if (suite is not null && suite is not (1 or 2 or 3 or 15 or 16 or 17))
            {
                throw TargetSettings.Misconfigured(target, $"cipher suite {suite} is not supported (use 3 or 17)");
            }

            var privilege = target.Setting("privilege", "administrator")!.ToLowerInvariant() switch
            {
                "operator" => IpmiPrivilege.Operator,
                "administrator" or "admin" => IpmiPrivilege.Administrator,
                "user" => IpmiPrivilege.User,
                var p => throw TargetSettings.Misconfigured(target, $"privilege '{p}' is not operator or administrator"),
            };
            byte[]? kg;
            try
            {
                kg = target.Setting("kg") is { } hex ? Convert.FromHexString(hex) : null;
            }
            catch (FormatException)
            {
                throw TargetSettings.Misconfigured(target, "setting 'kg' must be hexadecimal");
            }

            if (Encoding.UTF8.GetByteCount(user) > 16 || Encoding.UTF8.GetByteCount(secret) > 20)
            {
                throw TargetSettings.Misconfigured(target, "IPMI user names are at most 16 bytes and passwords at most 20");
            }

            var options = new IpmiClientOptions
            {
                Host = address,
                Port = target.Port ?? 623,
                Username = user,
                Password = secret,
                BmcKey = kg,
                CipherSuite = suite,
                Privilege = privilege,
                Timeout = TimeSpan.FromMilliseconds(TargetSettings.Int(target, "timeout_ms", 1000)),
                Tries = TargetSettings.Int(target, "tries", 3),
            };
            return _clientFactory?.Invoke(target, options)
                ?? new IpmiClient(options, timeProvider: _time, logger: _loggerFactory?.CreateLogger<IpmiClient>(), counters: Counters);
        });
    }

    private static PowerException Translate(IpmiException e) => e.Kind switch
    {
        IpmiErrorKind.WrongPassword or IpmiErrorKind.UnknownUser or IpmiErrorKind.PrivilegeRejected =>
            new PowerException(e.Message, PowerErrorKind.CredentialsRejected, false, e),
        IpmiErrorKind.UnsupportedCipherSuite or IpmiErrorKind.NotIpmi20 => new PowerException(e.Message, PowerErrorKind.Unsupported, false, e),
        IpmiErrorKind.NoResponse => new PowerException(e.Message, PowerErrorKind.NoResponse, true, e),
        IpmiErrorKind.Busy => new PowerException(e.Message, PowerErrorKind.Busy, true, e),
        IpmiErrorKind.InvalidReplies => new PowerException(e.Message, PowerErrorKind.ProtocolError, true, e),
        IpmiErrorKind.CompletionCode => new PowerException(e.Message, e.IsTransient ? PowerErrorKind.Busy : PowerErrorKind.Rejected, e.IsTransient, e),
        _ => new PowerException(e.Message, PowerErrorKind.Other, e.IsTransient, e),
    };

    private static BootDeviceSelector ToSelector(BootDevice d) => d switch
    {
        BootDevice.None => BootDeviceSelector.NoOverride,
        BootDevice.Pxe => BootDeviceSelector.Pxe,
        BootDevice.Disk => BootDeviceSelector.Disk,
        BootDevice.BiosSetup => BootDeviceSelector.BiosSetup,
        BootDevice.Cdrom => BootDeviceSelector.Cdrom,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    private static BootDevice FromSelector(BootDeviceSelector s) => s switch
    {
        BootDeviceSelector.Pxe => BootDevice.Pxe,
        BootDeviceSelector.Disk or BootDeviceSelector.DiskSafeMode or BootDeviceSelector.RemoteDisk => BootDevice.Disk,
        BootDeviceSelector.BiosSetup => BootDevice.BiosSetup,
        BootDeviceSelector.Cdrom or BootDeviceSelector.RemoteCdrom => BootDevice.Cdrom,
        _ => BootDevice.None,
    };
}
