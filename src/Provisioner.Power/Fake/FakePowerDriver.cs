using System.Collections.Concurrent;
using Provisioner.Core.Power;

namespace Provisioner.Power.Fake;

/// <summary>
/// A power driver with no hardware (ironic's FakePower): every node keeps its power state and boot
/// device in memory, keyed by <see cref="PowerTarget.NodeName"/> (or the address). The dashboard and
/// job tests run on it; switches make it slow, failing or lying.
/// </summary>
public sealed class FakePowerDriver : IPowerDriver
{
    private readonly ConcurrentDictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Node, string Command)> _log = new();

    /// <inheritdoc/>
    public string Name => "fake";

    /// <inheritdoc/>
    public IReadOnlyList<PowerSetting> Settings { get; } = [];

    /// <inheritdoc/>
    public PowerDriverCapabilities Capabilities =>
        PowerDriverCapabilities.Query | PowerDriverCapabilities.OnOff | PowerDriverCapabilities.SoftOff | PowerDriverCapabilities.Cycle
        | PowerDriverCapabilities.Reset | PowerDriverCapabilities.SetBootDevice | PowerDriverCapabilities.GetBootDevice | PowerDriverCapabilities.Identify;

    /// <summary>Accept commands but change nothing (a lying BMC).</summary>
    public bool IgnoreCommands { get; set; }

    /// <summary>Thrown by the next call, then cleared.</summary>
    public PowerException? FailNext { get; set; }

    /// <summary>Thrown by every call while set.</summary>
    public PowerException? FailAlways { get; set; }

    /// <summary>Number of queries that still report the old state after an action (a slow BMC).</summary>
    public int StaleReadsAfterAction { get; set; }

    /// <summary>Commands received, oldest first.</summary>
    public IReadOnlyList<(string Node, string Command)> Log => _log.ToArray();

    /// <summary>The state of a node (Off when never touched).</summary>
    public PowerState GetState(string node) => _nodes.TryGetValue(node, out var s) ? s.Power : PowerState.Off;

    /// <summary>Sets a node's state directly (someone pressed the button).</summary>
    public void SetState(string node, PowerState state) => _nodes.GetOrAdd(node, _ => new NodeState()).Power = state;

    /// <summary>The node's boot override, if any.</summary>
    public BootDeviceSetting? GetBoot(string node) => _nodes.TryGetValue(node, out var s) ? s.Boot : null;

    /// <inheritdoc/>
    public ValueTask<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken)
    {
        var node = Enter(target, "query");
        if (node.StaleReads > 0)
        {
            node.StaleReads--;
            return ValueTask.FromResult(node.PreviousPower);
        }

        return ValueTask.FromResult(node.Power);
    }

    /// <inheritdoc/>
    public ValueTask ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken)
    {
        var node = Enter(target, action.ToString());
        if (!IgnoreCommands)
        {
            node.PreviousPower = node.Power;
            node.StaleReads = StaleReadsAfterAction;
            node.Power = action.ExpectedState();
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken)
    {
        var node = Enter(target, $"boot {setting}");
        if (!IgnoreCommands)
        {
            node.Boot = setting;
        }

        if (node.Boot != setting)
        {
            throw new PowerException($"{target}: boot device read back as {node.Boot?.ToString() ?? "none"}, not {setting}.", PowerErrorKind.NotConfirmed, false);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Enter(target, "get boot").Boot);

    /// <inheritdoc/>
    public ValueTask IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken)
    {
        Enter(target, $"identify {duration?.ToString() ?? "on"}");
        return ValueTask.CompletedTask;
    }

    private NodeState Enter(PowerTarget target, string command)
    {
        ArgumentNullException.ThrowIfNull(target);
        var key = target.NodeName ?? target.Address;
        _log.Enqueue((key, command));
        if (FailAlways is { } always)
        {
            throw always;
        }

        if (FailNext is { } next)
        {
            FailNext = null;
            throw next;
        }

        return _nodes.GetOrAdd(key, _ => new NodeState());
    }

    private sealed class NodeState
    {
        public PowerState Power { get; set; } = PowerState.Off;

        public PowerState PreviousPower { get; set; } = PowerState.Off;

        public int StaleReads { get; set; }

        public BootDeviceSetting? Boot { get; set; }
    }
}
