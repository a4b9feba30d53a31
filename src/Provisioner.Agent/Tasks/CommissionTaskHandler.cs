using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Tasks;

/// <summary>Collects the hardware facts again and uploads them.</summary>
public sealed class CommissionTaskHandler(Func<CancellationToken, Task<HardwareFacts>> collect, ApplianceClient appliance) : ITaskHandler
{
    /// <inheritdoc />
    public AgentTaskKind Kind => AgentTaskKind.Commission;

    /// <inheritdoc />
    public async Task<TaskOutcome> ExecuteAsync(TaskContext context, CancellationToken ct)
    {
        context.Enter("collect-facts");
        var facts = await collect(ct).ConfigureAwait(false);
        context.Enter("send-facts");
        await appliance.PutFactsAsync(facts, ct).ConfigureAwait(false);
        context.Events.Emit("facts-sent", ("disks", facts.Disks.Count), ("nics", facts.Nics.Count));
        return TaskOutcome.Done;
    }
}
