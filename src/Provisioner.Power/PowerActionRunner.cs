using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Core.Power;

namespace Provisioner.Power;

/// <summary>
/// Runs power actions the way MAAS's perform_power does: send the command, wait, read the state back,
/// compare; repeat the read-back on a growing interval until the expected state shows or the bounded
/// wait ends. "The endpoint said OK but nothing changed" ends in <see cref="PowerErrorKind.NotConfirmed"/>.
/// Transient failures are retried; non-transient ones (credentials, settings) stop at once. Commands to
/// one endpoint are serialised and spaced by <see cref="PowerActionRunnerOptions.MinCommandInterval"/>.
/// </summary>
public sealed partial class PowerActionRunner
{
    private readonly PowerDriverRegistry _registry;
    private readonly PowerActionRunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EndpointGate _gate;

    /// <summary>Creates the runner.</summary>
    public PowerActionRunner(PowerDriverRegistry registry, PowerActionRunnerOptions? options = null, TimeProvider? timeProvider = null, ILogger<PowerActionRunner>? logger = null)
    {
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _options = options ?? new PowerActionRunnerOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _gate = new EndpointGate(_time);
    }

    /// <summary>Reads the power state (through the endpoint gate, with transient retries).</summary>
    public Task<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var driver = _registry.Get(target.Driver);
        Require(driver, target, PowerDriverCapabilities.Query, "read the power state");
        return WithRetriesAsync(target, () => driver.QueryAsync(target, cancellationToken).AsTask(), cancellationToken).Item;
    }

    /// <summary>Applies <paramref name="action"/> and confirms it by reading the state back.</summary>
    public async Task<PowerActionResult> ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var driver = _registry.Get(target.Driver);
        Require(driver, target, CapabilityFor(action), $"{Describe(action)}");
        var started = _time.GetTimestamp();
        var expected = action.ExpectedState();

        if (driver.Capabilities.HasFlag(PowerDriverCapabilities.RequiresOperator))
        {
            var (_, sentAttempts) = await WithRetriesAsync(target, async () => { await driver.ApplyAsync(target, action, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).Both.ConfigureAwait(false);
            return new PowerActionResult(action, PowerState.Unknown, false, sentAttempts, _time.GetElapsedTime(started),
                $"{Describe(action)} requested from an operator; waiting for confirmation");
        }

        var canQuery = driver.Capabilities.HasFlag(PowerDriverCapabilities.Query);
        if (canQuery && action is PowerAction.On or PowerAction.Off or PowerAction.SoftOff)
        {
            var before = await QueryAsync(target, cancellationToken).ConfigureAwait(false);
            if (before == expected)
            {
                return new PowerActionResult(action, before, true, 0, _time.GetElapsedTime(started), $"{Describe(action)}: already {Lower(before)}");
            }
        }

        var attempts = 0;
        for (var send = 0; send < (_options.ResendOnceIfUnchanged ? 2 : 1); send++)
        {
            var (_, tries) = await WithRetriesAsync(target, async () => { await driver.ApplyAsync(target, action, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).Both.ConfigureAwait(false);
            attempts += tries;
            Log.ActionSent(_logger, target.ToString(), action);
            if (!canQuery)
            {
                return new PowerActionResult(action, PowerState.Unknown, false, attempts, _time.GetElapsedTime(started),
                    $"{Describe(action)} sent; driver {driver.Name} cannot read the state back");
            }

            var limit = action == PowerAction.SoftOff ? _options.SoftOffTimeout : _options.VerifyTimeout;
            var state = await WaitForAsync(target, driver, expected, limit / (_options.ResendOnceIfUnchanged ? 2 : 1), cancellationToken).ConfigureAwait(false);
            if (state == expected)
            {
                var elapsed = _time.GetElapsedTime(started);
                var message = string.Create(CultureInfo.InvariantCulture, $"{Describe(action)} confirmed: {Lower(state)} after {elapsed.TotalSeconds:0.0} s");
                Log.ActionConfirmed(_logger, target.ToString(), action, elapsed.TotalSeconds);
                return new PowerActionResult(action, state, true, attempts, elapsed, message);
            }

            Log.ActionNotConfirmed(_logger, target.ToString(), action, state);
        }

        var total = _time.GetElapsedTime(started);
        throw new PowerException(
            string.Create(CultureInfo.InvariantCulture,
                $"{target}: {Describe(action)} was accepted but the node is not {Lower(expected)} after {total.TotalSeconds:0.#} s ({attempts} commands sent)."),
            PowerErrorKind.NotConfirmed, isTransient: false);
    }

    /// <summary>Sets the next boot device; the driver reads it back and fails when it did not stick.</summary>
    public async Task SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var driver = _registry.Get(target.Driver);
        Require(driver, target, PowerDriverCapabilities.SetBootDevice, "set the boot device");
        await WithRetriesAsync(target, async () => { await driver.SetBootDeviceAsync(target, setting, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).Item.ConfigureAwait(false);
        Log.BootDeviceSet(_logger, target.ToString(), setting.ToString());
    }

    /// <summary>Reads the next boot device back.</summary>
    public Task<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var driver = _registry.Get(target.Driver);
        Require(driver, target, PowerDriverCapabilities.GetBootDevice, "read the boot device");
        return WithRetriesAsync(target, () => driver.GetBootDeviceAsync(target, cancellationToken).AsTask(), cancellationToken).Item;
    }

    /// <summary>Switches the identify LED.</summary>
    public Task IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        var driver = _registry.Get(target.Driver);
        Require(driver, target, PowerDriverCapabilities.Identify, "switch the identify LED");
        return WithRetriesAsync(target, async () => { await driver.IdentifyAsync(target, duration, cancellationToken).ConfigureAwait(false); return true; }, cancellationToken).Item;
    }

    private async Task<PowerState> WaitForAsync(PowerTarget target, IPowerDriver driver, PowerState expected, TimeSpan limit, CancellationToken ct)
    {
        var start = _time.GetTimestamp();
        var interval = _options.FirstPollInterval;
        var state = PowerState.Unknown;
        while (true)
        {
            var left = limit - _time.GetElapsedTime(start);
            if (left <= TimeSpan.Zero)
            {
                return state;
            }

            await Task.Delay(interval < left ? interval : left, _time, ct).ConfigureAwait(false);
            try
            {
                state = await _gate.RunAsync(target.EndpointKey, _options.MinCommandInterval, () => driver.QueryAsync(target, ct).AsTask(), ct).ConfigureAwait(false);
            }
            catch (PowerException e) when (e.IsTransient)
            {
                // A BMC busy with the transition may not answer; keep polling until the limit.
                state = PowerState.Unknown;
            }

            if (state == expected)
            {
                return state;
            }

            interval = interval * 2 > _options.MaxPollInterval ? _options.MaxPollInterval : interval * 2;
        }
    }

    private RetryCall<T> WithRetriesAsync<T>(PowerTarget target, Func<Task<T>> call, CancellationToken ct) => new(RunWithRetriesAsync(target, call, ct));

    private async Task<(T Value, int Attempts)> RunWithRetriesAsync<T>(PowerTarget target, Func<Task<T>> call, CancellationToken ct)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var value = await _gate.RunAsync(target.EndpointKey, _options.MinCommandInterval, call, ct).ConfigureAwait(false);
                return (value, attempt);
            }
            catch (PowerException e) when (e.IsTransient && attempt < Math.Max(1, _options.MaxAttempts))
            {
                Log.TransientFailure(_logger, target.ToString(), attempt, e.Message);
                await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                delay *= 2;
            }
        }
    }

    private static void Require(IPowerDriver driver, PowerTarget target, PowerDriverCapabilities needed, string what)
    {
        if (!driver.Capabilities.HasFlag(needed))
        {
            throw new PowerException($"{target}: driver {driver.Name} cannot {what}.", PowerErrorKind.Unsupported, isTransient: false);
        }
    }

    private static PowerDriverCapabilities CapabilityFor(PowerAction action) => action switch
    {
        PowerAction.On or PowerAction.Off => PowerDriverCapabilities.OnOff,
        PowerAction.SoftOff => PowerDriverCapabilities.SoftOff,
        PowerAction.Cycle => PowerDriverCapabilities.Cycle,
        PowerAction.Reset => PowerDriverCapabilities.Reset,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    private static string Describe(PowerAction action) => action switch
    {
        PowerAction.On => "power on",
        PowerAction.Off => "power off",
        PowerAction.SoftOff => "soft power off",
        PowerAction.Cycle => "power cycle",
        PowerAction.Reset => "reset",
        _ => action.ToString(),
    };

    private static string Lower(PowerState s) => s.ToString().ToLowerInvariant();

    private readonly struct RetryCall<T>(Task<(T Value, int Attempts)> task)
    {
        public Task<(T Value, int Attempts)> Both => task;

        public Task<T> Item => Unwrap(task);

        private static async Task<T> Unwrap(Task<(T Value, int Attempts)> t) => (await t.ConfigureAwait(false)).Value;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Power {Action} sent to {Target}")]
        public static partial void ActionSent(ILogger logger, string target, PowerAction action);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Power {Action} on {Target} confirmed after {Seconds:0.0} s")]
        public static partial void ActionConfirmed(ILogger logger, string target, PowerAction action, double seconds);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Power {Action} on {Target} not confirmed (state {State})")]
        public static partial void ActionNotConfirmed(ILogger logger, string target, PowerAction action, PowerState state);

        [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Transient power failure on {Target} (attempt {Attempt}): {Detail}")]
        public static partial void TransientFailure(ILogger logger, string target, int attempt, string detail);

        [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Boot device of {Target} set to {Setting}")]
        public static partial void BootDeviceSet(ILogger logger, string target, string setting);
    }
}
