namespace Provisioner.Core.Power;

/// <summary>A request for a human to do something the manual driver cannot (press the power button).</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Target">The node.</param>
/// <param name="What">What to do, e.g. "power on" or "set the next boot device to Pxe (once)".</param>
/// <param name="Action">The power action, when it is one.</param>
/// <param name="BootDevice">The boot device, when it is one.</param>
/// <param name="CreatedAt">When it was asked for.</param>
public sealed record OperatorRequest(Guid Id, PowerTarget Target, string What, PowerAction? Action, BootDeviceSetting? BootDevice, DateTimeOffset CreatedAt)
{
    /// <summary>The node's "instructions" setting (where the machine is, which button), when it has one.</summary>
    public string? Instructions => Target.Setting("instructions");
}

/// <summary>Where the manual power driver posts operator requests (the dashboard shows them).</summary>
public interface IOperatorRequestSink
{
    /// <summary>Records a pending operator request.</summary>
    ValueTask SubmitAsync(OperatorRequest request, CancellationToken cancellationToken);

    /// <summary>The state the operator last confirmed for the node, or Unknown.</summary>
    ValueTask<PowerState> GetConfirmedStateAsync(PowerTarget target, CancellationToken cancellationToken);
}
