using Provisioner.Agent.Power;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Tasks;

/// <summary>Power off or reboot, after the result has been reported.</summary>
public sealed class PowerTaskHandler(AgentTaskKind kind, IPowerControl power) : ITaskHandler
{
    /// <inheritdoc />
    public AgentTaskKind Kind { get; } = kind is AgentTaskKind.Poweroff or AgentTaskKind.Reboot
        ? kind : throw new ArgumentOutOfRangeException(nameof(kind));

    /// <inheritdoc />
    public Task<TaskOutcome> ExecuteAsync(TaskContext context, CancellationToken ct)
    {
        context.Enter(Kind == AgentTaskKind.Poweroff ? "poweroff" : "reboot");
        return Task.FromResult(new TaskOutcome(() =>
        {
            context.Events.Emit(Kind == AgentTaskKind.Poweroff ? "poweroff" : "reboot");
            if (Kind == AgentTaskKind.Poweroff)
            {
                power.PowerOff();
            }
            else
            {
                power.Reboot();
            }

            return Task.CompletedTask;
        }));
    }
}
