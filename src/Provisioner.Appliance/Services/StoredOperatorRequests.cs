using System.Globalization;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;

namespace Provisioner.Appliance.Services;

/// <summary>
/// The appliance's side of manual power: the driver's requests are stored for the dashboard (Power requests), the API
/// and the CLI; an operator's "done" is the node's power reading, written through <see cref="NodePowerHistory"/> as
/// the power monitor's readings are, so it shows in the node's power state and history.
/// </summary>
public sealed partial class StoredOperatorRequests(
    IOperatorRequestRepository requests,
    INodeRepository nodes,
    NodePowerHistory power,
    TimeProvider time,
    ILogger<StoredOperatorRequests> logger) : IOperatorRequestSink
{
    public async ValueTask SubmitAsync(OperatorRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var node = await NodeOfAsync(request.Target, cancellationToken).ConfigureAwait(false)
                   ?? throw new PowerException($"{request.Target}: no node is named '{request.Target.NodeName}', so '{request.What}' cannot be asked of an operator.",
                       PowerErrorKind.Misconfigured, isTransient: false);
        var superseded = await requests.AddAsync(new OperatorRequestRecord
        {
            Id = request.Id,
            NodeId = node.Id,
            What = request.What,
            Instructions = request.Instructions,
            Action = request.Action,
            BootDevice = request.BootDevice,
            CreatedAt = request.CreatedAt,
            JobId = request.Target.JobId,
        }, cancellationToken).ConfigureAwait(false);
        Log.OperatorActionNeeded(logger, node.Hostname, request.What, request.Instructions ?? "none", request.Id, superseded);
    }

    public async ValueTask<PowerState> GetConfirmedStateAsync(PowerTarget target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var node = await NodeOfAsync(target, cancellationToken).ConfigureAwait(false);
        var last = node is null ? null : await requests.LastDonePowerActionAsync(node.Id, cancellationToken).ConfigureAwait(false);
        return last?.Action is { } action ? action.ExpectedState() : PowerState.Unknown;
    }

    /// <summary>
    /// The operator did it: marks the request done and, for a power action, sets the node's power state (On after on,
    /// cycle or reset; Off after off or shut down). <see cref="KeyNotFoundException"/> for an unknown request,
    /// <see cref="InvalidOperationException"/> saying by whom and when for one resolved already.
    /// </summary>
    public async Task<OperatorRequestRecord> ConfirmAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var done = await ResolveAsync(id, OperatorRequestStatus.Done, actor, cancellationToken).ConfigureAwait(false);
        if (done.Action is { } action)
        {
            var state = action.ExpectedState() == PowerState.On ? NodePowerState.On : NodePowerState.Off;
            await power.RecordAsync(done.NodeId, state, actor,
                before => $"{done.What}: done by {actor} (operator request {Short(id)}); power {Lower(before)} -> {Lower(state)}",
                recordUnchanged: true, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await AppendHistoryAsync(done, actor, "done", cancellationToken).ConfigureAwait(false);
        }

        return done;
    }

    /// <summary>Not to be done: marks the request dismissed; the node's power state stays as it was. Errors as <see cref="ConfirmAsync"/>.</summary>
    public async Task<OperatorRequestRecord> DismissAsync(Guid id, string actor, CancellationToken cancellationToken)
    {
        var dismissed = await ResolveAsync(id, OperatorRequestStatus.Dismissed, actor, cancellationToken).ConfigureAwait(false);
        await AppendHistoryAsync(dismissed, actor, "dismissed", cancellationToken).ConfigureAwait(false);
        return dismissed;
    }

    private async Task<OperatorRequestRecord> ResolveAsync(Guid id, OperatorRequestStatus status, string actor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var resolved = await requests.ResolveAsync(id, status, actor, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (resolved is not null)
        {
            Log.Resolved(logger, id, resolved.What, status, actor);
            return resolved;
        }

        var current = await requests.GetAsync(id, cancellationToken).ConfigureAwait(false)
                      ?? throw new KeyNotFoundException($"No operator request {id}; list the pending ones with GET /api/v1/power-requests or 'provisioner power requests'.");
        var host = (await nodes.GetAsync(current.NodeId, cancellationToken).ConfigureAwait(false))?.Hostname ?? current.NodeId.ToString();
        var when = current.ResolvedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        throw new InvalidOperationException(
            $"Operator request {id} is already {Lower(current.Status)} (by {current.ResolvedBy} at {when}): {current.What} on {host}; nothing changed.");
    }

    private Task AppendHistoryAsync(OperatorRequestRecord request, string actor, string outcome, CancellationToken cancellationToken) =>
        nodes.AppendHistoryAsync(new NodeHistoryEntry
        {
            NodeId = request.NodeId,
            At = time.GetUtcNow(),
            Actor = actor,
            Kind = "power",
            Message = $"{request.What}: {outcome} by {actor} (operator request {Short(request.Id)})",
        }, cancellationToken);

    /// <summary>PowerTarget.NodeName is the node's hostname (<see cref="Workflows.NodePower.TargetOf"/>).</summary>
    private async Task<Node?> NodeOfAsync(PowerTarget target, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(target.NodeName) ? null : await nodes.FindByHostnameAsync(target.NodeName, cancellationToken).ConfigureAwait(false);

    private static string Short(Guid id) => id.ToString("N")[..8];

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Warning,
            Message = "Operator action needed on {Node}: {What} (instructions: {Instructions}); request {RequestId} on the dashboard, Power requests ({Superseded} older of the same kind superseded)")]
        public static partial void OperatorActionNeeded(ILogger logger, string node, string what, string instructions, Guid requestId, int superseded);

        [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Operator request {RequestId} ({What}) {Status} by {Actor}")]
        public static partial void Resolved(ILogger logger, Guid requestId, string what, OperatorRequestStatus status, string actor);
    }
}
