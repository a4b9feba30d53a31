using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Provisioner.Core.Power;

namespace Provisioner.Power.Monitor;

/// <summary>What one monitor round did.</summary>
/// <param name="Targets">Targets offered by the source.</param>
/// <param name="Polled">Queries made.</param>
/// <param name="Changed">State changes reported.</param>
/// <param name="Failed">Queries that failed.</param>
/// <param name="SkippedBackoff">Targets skipped because their endpoint is backing off.</param>
/// <param name="Elapsed">Wall time of the round.</param>
public sealed record PowerMonitorRound(int Targets, int Polled, int Changed, int Failed, int SkippedBackoff, TimeSpan Elapsed);

/// <summary>
/// Refreshes every node's power state on a schedule, with bounded parallelism and exponential back-off
/// per endpoint, and reports changes (and failures starting or ending) to an <see cref="IPowerStateObserver"/>.
/// A plain class: the host calls <see cref="RunAsync"/> from whatever background service it has.
/// </summary>
public sealed partial class PowerMonitor
{
    private readonly IPowerTargetSource _source;
    private readonly PowerDriverRegistry _registry;
    private readonly IPowerStateObserver _observer;
    private readonly PowerMonitorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, PowerState> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _failing = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Backoff> _backoff = new(StringComparer.Ordinal);

    /// <summary>Creates the monitor.</summary>
    public PowerMonitor(IPowerTargetSource source, PowerDriverRegistry registry, IPowerStateObserver observer,
        PowerMonitorOptions? options = null, TimeProvider? timeProvider = null, ILogger<PowerMonitor>? logger = null)
    {
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _registry = registry ?? throw new ArgumentNullException(nameof(registry));
        _observer = observer ?? throw new ArgumentNullException(nameof(observer));
        _options = options ?? new PowerMonitorOptions();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The last state seen per node key.</summary>
    public IReadOnlyDictionary<string, PowerState> KnownStates => _known;

    /// <summary>Runs rounds until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                var round = await RunOnceAsync(cancellationToken).ConfigureAwait(false);
                Log.Round(_logger, round.Polled, round.Changed, round.Failed, round.SkippedBackoff, round.Elapsed.TotalSeconds);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A broken target source must not end monitoring; the next round tries again.
                Log.RoundFailed(_logger, e);
            }

            var wait = _options.Interval - _time.GetElapsedTime(started);
            try
            {
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Polls every target once (except those backing off) and reports changes.</summary>
    public async Task<PowerMonitorRound> RunOnceAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var targets = await _source.GetTargetsAsync(cancellationToken).ConfigureAwait(false);
        int polled = 0, changed = 0, failed = 0, skipped = 0;
        var now = _time.GetUtcNow();
        var due = new List<(PowerTarget Target, IPowerDriver Driver)>(targets.Count);
        foreach (var t in targets)
        {
            if (!_registry.TryGet(t.Driver, out var driver) || !driver.Capabilities.HasFlag(PowerDriverCapabilities.Query)
                || driver.Capabilities.HasFlag(PowerDriverCapabilities.RequiresOperator))
            {
                continue;
            }

            if (_backoff.TryGetValue(t.EndpointKey, out var b) && b.Until > now)
            {
                skipped++;
                continue;
            }

            due.Add((t, driver));
        }

        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxParallelism), CancellationToken = cancellationToken },
            async (item, ct) =>
            {
                Interlocked.Increment(ref polled);
                var key = NodeKey(item.Target);
                PowerState state;
                PowerException? error = null;
                using var timeout = new CancellationTokenSource(_options.QueryTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                try
                {
                    state = await item.Driver.QueryAsync(item.Target, linked.Token).ConfigureAwait(false);
                    _backoff.TryRemove(item.Target.EndpointKey, out _);
                }
                catch (Exception e) when (e is PowerException || (e is OperationCanceledException && !ct.IsCancellationRequested))
                {
                    error = e as PowerException ?? new PowerException($"{item.Target}: no answer within {_options.QueryTimeout.TotalSeconds:0.#} s.", PowerErrorKind.NoResponse, true);
                    state = PowerState.Unknown;
                    Interlocked.Increment(ref failed);
                    var n = _backoff.AddOrUpdate(item.Target.EndpointKey, _ => new Backoff(1, default), (_, old) => old with { Failures = old.Failures + 1 }).Failures;
                    var delay = TimeSpan.FromTicks(Math.Min(_options.BackoffMax.Ticks, _options.BackoffBase.Ticks * (1L << Math.Min(n - 1, 20))));
                    _backoff[item.Target.EndpointKey] = new Backoff(n, _time.GetUtcNow() + delay);
                }

                var previous = _known.TryGetValue(key, out var p) ? p : PowerState.Unknown;
                var wasFailing = _failing.TryGetValue(key, out var f) && f;
                _known[key] = state;
                _failing[key] = error is not null;
                if (state != previous || (error is not null) != wasFailing)
                {
                    Interlocked.Increment(ref changed);
                    await _observer.OnPowerStateChangedAsync(new PowerStateChange(item.Target, previous, state, _time.GetUtcNow(), error), ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);

        return new PowerMonitorRound(targets.Count, polled, changed, failed, skipped, _time.GetElapsedTime(started));
    }

    private static string NodeKey(PowerTarget t) => t.NodeName ?? t.EndpointKey + "|" + string.Join(',', t.Settings.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => k.Key + "=" + k.Value));

    private sealed record Backoff(int Failures, DateTimeOffset Until);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Power monitor round: {Polled} polled, {Changed} changed, {Failed} failed, {Skipped} backing off, {Seconds:0.00} s")]
        public static partial void Round(ILogger logger, int polled, int changed, int failed, int skipped, double seconds);

        [LoggerMessage(EventId = 4102, Level = LogLevel.Error, Message = "Power monitor round failed")]
        public static partial void RoundFailed(ILogger logger, Exception error);
    }
}
