using Provisioner.Core.Power;

namespace Provisioner.Power.Manual;

/// <summary>
/// Power by hand: every action becomes a pending operator request (shown on the dashboard); the
/// state is whatever the operator last confirmed. The runner does not wait for it.
/// </summary>
public sealed class ManualPowerDriver(IOperatorRequestSink sink, TimeProvider? timeProvider = null) : IPowerDriver
{
    private readonly IOperatorRequestSink _sink = sink ?? throw new ArgumentNullException(nameof(sink));
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <inheritdoc/>
    public string Name => "manual";

    /// <inheritdoc/>
    public IReadOnlyList<PowerSetting> Settings { get; } =
        [new PowerSetting("instructions", "What the operator should know (where the machine is, which button).", Scope: PowerSettingScope.Node)];

    /// <inheritdoc/>
    public PowerDriverCapabilities Capabilities =>
        PowerDriverCapabilities.RequiresOperator | PowerDriverCapabilities.Query | PowerDriverCapabilities.OnOff | PowerDriverCapabilities.SoftOff
        | PowerDriverCapabilities.Cycle | PowerDriverCapabilities.Reset | PowerDriverCapabilities.SetBootDevice;

    /// <inheritdoc/>
    public ValueTask<PowerState> QueryAsync(PowerTarget target, CancellationToken cancellationToken) => _sink.GetConfirmedStateAsync(target, cancellationToken);

    /// <inheritdoc/>
    public ValueTask ApplyAsync(PowerTarget target, PowerAction action, CancellationToken cancellationToken) =>
        _sink.SubmitAsync(new OperatorRequest(Guid.NewGuid(), target, Describe(action), action, null, _time.GetUtcNow()), cancellationToken);

    /// <inheritdoc/>
    public ValueTask SetBootDeviceAsync(PowerTarget target, BootDeviceSetting setting, CancellationToken cancellationToken) =>
        _sink.SubmitAsync(new OperatorRequest(Guid.NewGuid(), target, $"set the next boot device to {setting}", null, setting, _time.GetUtcNow()),
            cancellationToken);

    /// <inheritdoc/>
    public ValueTask<BootDeviceSetting?> GetBootDeviceAsync(PowerTarget target, CancellationToken cancellationToken) =>
        throw new PowerException($"{target}: the manual driver cannot read the boot device.", PowerErrorKind.Unsupported, false);

    /// <inheritdoc/>
    public ValueTask IdentifyAsync(PowerTarget target, TimeSpan? duration, CancellationToken cancellationToken) =>
        throw new PowerException($"{target}: the manual driver has no identify LED.", PowerErrorKind.Unsupported, false);

    /// <summary>What the operator reads; the node's instructions travel beside it (<see cref="OperatorRequest.Instructions"/>).</summary>
    public static string Describe(PowerAction action) => action switch
    {
        PowerAction.On => "power on",
        PowerAction.Off => "power off (hard)",
        PowerAction.SoftOff => "shut down (short press of the power button)",
        PowerAction.Cycle => "power cycle (off, wait, on)",
        PowerAction.Reset => "reset",
        _ => $"power {action}",
    };
}
