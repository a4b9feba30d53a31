using System.Globalization;
using System.Text.Json;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Api;

/// <summary>Who asks and from where, for history and audit.</summary>
public sealed record Caller(string Name, string Source);

/// <summary>
/// What operators do to nodes, shared by the REST API and the dashboard: lifecycle actions (through
/// <see cref="Node.WithTransition"/>, recorded in history and audit, with the matching job submitted), power, enlistment
/// and bulk actions.
/// </summary>
public sealed class NodeOperations(
    INodeRepository nodes,
    IBpodRepository bpods,
    IZoneRepository zones,
    IImageRepository images,
    IProfileRepository profiles,
    IAuditLog audit,
    IJobService jobs,
    NodeEventHub events,
    TimeProvider timeProvider)
{
    /// <summary>The job each operator action starts; actions without one only change the record.</summary>
    public static string? JobKindFor(NodeAction action) => action switch
    {
        NodeAction.Commission => "commission",
        NodeAction.Deploy => "deploy",
        NodeAction.Release => "release",
        NodeAction.Rescue => "rescue",
        _ => null,
    };

    public async Task<Node> GetAsync(Guid id, CancellationToken cancellationToken) =>
        await nodes.GetAsync(id, cancellationToken) ?? throw new ApiNotFoundException($"No node with id {id}.");

    /// <summary>Finds a node by id, hostname or MAC (what the CLI accepts as NODE).</summary>
    public async Task<Node> ResolveAsync(string reference, CancellationToken cancellationToken)
    {
        var node = Guid.TryParse(reference, out var id) ? await nodes.GetAsync(id, cancellationToken)
            : MacAddress.TryParse(reference, out var mac) ? await nodes.FindByMacAsync(mac, cancellationToken)
            : await nodes.FindByHostnameAsync(reference.Trim(), cancellationToken);
        return node ?? throw new ApiNotFoundException($"No node matches '{reference}' (by id, hostname or MAC).");
    }

    public async Task<(Node Node, JobRecord? Job)> ApplyAsync(Guid nodeId, NodeAction action, NodeActionRequest request, Caller caller,
        CancellationToken cancellationToken)
    {
        if (!ApiNames.IsOperatorAction(action))
        {
            throw ApiValidationException.For("action", $"'{ApiNames.Of(action)}' is reported by jobs, not requested by operators.");
        }

        var node = await GetAsync(nodeId, cancellationToken);
        var changed = node.WithTransition(action, request.Reason);
        var parameters = new Dictionary<string, object?>();
        if (action == NodeAction.Deploy)
        {
            var imageName = request.Image ?? node.Deploy.Image;
            var profileName = request.Profile ?? node.Deploy.Profile;
            var errors = new ValidationErrors();
            if (string.IsNullOrWhiteSpace(imageName))
            {
                errors.Add("image", "Say which image to deploy (--image); 'provisioner image list' shows them.");
            }
            else if (await images.FindByNameAsync(imageName, cancellationToken) is null)
            {
                errors.Add("image", $"No image named '{imageName}'; 'provisioner image list' shows them.");
            }

            if (!string.IsNullOrWhiteSpace(profileName) && await profiles.FindByNameAsync(profileName, cancellationToken) is null)
            {
                errors.Add("profile", $"No profile named '{profileName}'.");
            }

            errors.ThrowIfAny();
            changed = changed with
            {
                Deploy = node.Deploy with
                {
                    Image = imageName,
                    Profile = profileName,
                    Variables = request.Variables ?? node.Deploy.Variables,
                },
            };
            parameters["image"] = imageName;
            parameters["profile"] = profileName;
        }

        if (action == NodeAction.MarkBroken && string.IsNullOrWhiteSpace(request.Reason))
        {
            throw ApiValidationException.For("reason", "Say why the node is broken (it is shown to everyone who looks at it).");
        }

        if (action == NodeAction.Release)
        {
            parameters["wipe"] = request.Wipe ?? false;
        }

        if (request.Reason is not null)
        {
            parameters["reason"] = request.Reason;
        }

        var saved = await nodes.UpdateAsync(changed, cancellationToken);
        JobRecord? job = null;
        var kind = JobKindFor(action);
        try
        {
            if (action == NodeAction.Abort)
            {
                await CancelActiveJobsAsync(node.Id, caller, cancellationToken);
            }

            if (kind is not null)
            {
                job = await jobs.SubmitAsync(new JobSubmission
                {
                    Kind = kind,
                    NodeId = node.Id,
                    BpodId = node.BpodId,
                    RequestedBy = caller.Name,
                    ParametersJson = JsonSerializer.Serialize(parameters),
                }, cancellationToken);
            }
        }
        catch (JobRejectedException)
        {
            // The node must not be left "Deploying" with no job driving it: put it back as it was.
            var current = await nodes.GetAsync(node.Id, CancellationToken.None);
            if (current is not null && current.Version == saved.Version)
            {
                await nodes.UpdateAsync(current with { State = node.State, StateReason = node.StateReason, FailedStep = node.FailedStep, Deploy = node.Deploy },
                    CancellationToken.None);
            }

            throw;
        }

        await nodes.AppendHistoryAsync(new NodeHistoryEntry
        {
            NodeId = node.Id,
            At = timeProvider.GetUtcNow(),
            Actor = caller.Name,
            Kind = "transition",
            FromState = node.State,
            ToState = saved.State,
            Message = $"{ApiNames.Of(action)}{(request.Reason is null ? string.Empty : ": " + request.Reason)}{(job is null ? string.Empty : $" (job {job.Id})")}",
        }, cancellationToken);
        await AuditAsync(caller, "node." + ApiNames.Of(action), node.Id,
            $"{node.Hostname}: {ApiNames.Of(node.State)} -> {ApiNames.Of(saved.State)}{(job is null ? string.Empty : $", job {job.Id}")}", cancellationToken);
        events.Publish(NodeChange.From(saved, timeProvider.GetUtcNow()));
        return (saved, job);
    }

    /// <summary>Submits a power-on/off/cycle job for a node with a BMC.</summary>
    public async Task<JobRecord> PowerAsync(Guid nodeId, string operation, Caller caller, CancellationToken cancellationToken)
    {
        var kind = operation switch
        {
            "on" => "power-on",
            "off" => "power-off",
            "cycle" => "power-cycle",
            _ => throw ApiValidationException.For("operation", "Use on, off or cycle."),
        };
        var node = await GetAsync(nodeId, cancellationToken);
        if (node.Bmc is null)
        {
            throw new InvalidOperationException($"Node {node.Hostname} has no BMC settings; set its 'bmc' (driver, address, credentials) first.");
        }

        var job = await jobs.SubmitAsync(new JobSubmission
        {
            Kind = kind,
            NodeId = node.Id,
            BpodId = node.BpodId,
            RequestedBy = caller.Name,
            Priority = 10,
        }, cancellationToken);
        await nodes.AppendHistoryAsync(new NodeHistoryEntry
        {
            NodeId = node.Id,
            At = timeProvider.GetUtcNow(),
            Actor = caller.Name,
            Kind = "power",
            Message = $"{kind} requested (job {job.Id})",
        }, cancellationToken);
        await AuditAsync(caller, "node." + kind, node.Id, $"{node.Hostname}: job {job.Id}", cancellationToken);
        return job;
    }

    /// <summary>Adds a node known only by its MAC, named from the BPOD's pattern with the next free slot.</summary>
    public async Task<Node> EnlistAsync(EnlistRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (!MacAddress.TryParse(request.Mac, out var mac))
        {
            errors.Add("mac", $"'{request.Mac}' is not a MAC address (e.g. 52:54:00:12:34:56).");
        }

        if (request.BpodId is null)
        {
            errors.Add("bpodId", "Give the BPOD (rack) the machine is in.");
        }

        errors.ThrowIfAny();
        var bpod = await bpods.GetAsync(request.BpodId!.Value, cancellationToken) ?? throw new ApiNotFoundException($"No BPOD with id {request.BpodId}.");
        if (await nodes.FindByMacAsync(mac, cancellationToken) is { } existing)
        {
            throw new DuplicateException($"MAC {mac} already belongs to node {existing.Hostname} ({existing.Id}).");
        }

        var zone = await zones.GetAsync(bpod.ZoneId, cancellationToken);
        var slot = request.Slot ?? await nodes.MaxSlotAsync(bpod.Id, cancellationToken) + 1;
        var hostname = request.Hostname ?? Hostname(bpod.NamingPattern, zone?.Name ?? "zone", bpod.Name, slot, mac);
        if (ApiValidation.InvalidHostname(hostname) is { } problem)
        {
            throw ApiValidationException.For("hostname", problem);
        }

        var node = await nodes.AddAsync(new Node
        {
            Id = Guid.NewGuid(),
            Hostname = hostname,
            BpodId = bpod.Id,
            Slot = slot,
            Interfaces = [new NodeInterface(mac, null, true)],
        }, cancellationToken);
        await nodes.AppendHistoryAsync(new NodeHistoryEntry
        {
            NodeId = node.Id,
            At = timeProvider.GetUtcNow(),
            Actor = caller.Name,
            Kind = "enlist",
            ToState = node.State,
            Message = $"enlisted by MAC {mac} in {bpod.Name}",
        }, cancellationToken);
        await AuditAsync(caller, "node.enlist", node.Id, $"{hostname} ({mac})", cancellationToken);
        events.Publish(NodeChange.From(node, timeProvider.GetUtcNow()));
        return node;
    }

    /// <summary>Applies one action to every matching node; each node's outcome is reported, one failure never stops the rest.</summary>
    public async Task<BulkActionResult> BulkAsync(BulkActionRequest request, Caller caller, CancellationToken cancellationToken)
    {
        var actionText = request.Action?.Trim().ToLowerInvariant();
        var isPower = actionText is "power-on" or "power-off" or "power-cycle";
        NodeAction action = default;
        if (!isPower && !(ApiNames.TryParse(actionText, out action) && ApiNames.IsOperatorAction(action)))
        {
            throw ApiValidationException.For("action",
                $"Use one of: {string.Join(", ", Enum.GetValues<NodeAction>().Where(ApiNames.IsOperatorAction).Select(ApiNames.Of))}, power-on, power-off, power-cycle.");
        }

        if (request.BpodId is null && request.ZoneId is null && string.IsNullOrWhiteSpace(request.Tag) && request.NodeIds is not { Length: > 0 })
        {
            throw ApiValidationException.For("bpodId", "Select the nodes: give bpodId, zoneId, tag or nodeIds (a bulk action never means 'all nodes').");
        }

        var matched = new List<Node>();
        for (var offset = 0; ; offset += PageRequest.MaxLimit)
        {
            var page = await nodes.ListAsync(new NodeQuery
            {
                BpodId = request.BpodId,
                ZoneId = request.ZoneId,
                Tag = string.IsNullOrWhiteSpace(request.Tag) ? null : request.Tag,
                Page = new PageRequest(offset, PageRequest.MaxLimit),
            }, cancellationToken);
            matched.AddRange(page.Items.Where(n => request.NodeIds is not { Length: > 0 } || request.NodeIds.Contains(n.Id)));
            if (offset + page.Items.Count >= page.Total || page.Items.Count == 0)
            {
                break;
            }
        }

        var results = new List<BulkItemResult>();
        foreach (var node in matched)
        {
            try
            {
                var job = isPower
                    ? await PowerAsync(node.Id, actionText!["power-".Length..], caller, cancellationToken)
                    : (await ApplyAsync(node.Id, action, new NodeActionRequest(request.Image, request.Profile, request.Reason, null, null), caller,
                        cancellationToken)).Job;
                results.Add(new BulkItemResult(node.Id, node.Hostname, true, job?.Id, null));
            }
            catch (Exception ex) when (ApiExceptionFilter.ToProblem(ex) is not null)
            {
                results.Add(new BulkItemResult(node.Id, node.Hostname, false, null, ex.Message));
            }
        }

        await AuditAsync(caller, "node.bulk", null, $"{actionText} on {matched.Count} nodes: {results.Count(r => r.Ok)} ok, {results.Count(r => !r.Ok)} refused",
            cancellationToken);
        return new BulkActionResult(actionText!, matched.Count, results.Count(r => r.Ok), results.Count(r => !r.Ok), [.. results]);
    }

    public async Task RecordEditAsync(Node before, Node after, Caller caller, CancellationToken cancellationToken)
    {
        await nodes.AppendHistoryAsync(new NodeHistoryEntry
        {
            NodeId = after.Id,
            At = timeProvider.GetUtcNow(),
            Actor = caller.Name,
            Kind = "edit",
            Message = "edited: " + string.Join(", ", ChangedFields(before, after)),
        }, cancellationToken);
        await AuditAsync(caller, "node.update", after.Id, after.Hostname, cancellationToken);
        events.Publish(NodeChange.From(after, timeProvider.GetUtcNow()));
    }

    internal static string Hostname(string pattern, string zone, string bpod, int slot, MacAddress mac)
    {
        var name = pattern
            .Replace("{zone}", zone, StringComparison.Ordinal)
            .Replace("{bpod}", bpod, StringComparison.Ordinal)
            .Replace("{slot:00}", slot.ToString("00", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{slot:000}", slot.ToString("000", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{slot}", slot.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{mac}", mac.ToString().Replace(":", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        return new string(name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-').ToArray());
    }

    private async Task CancelActiveJobsAsync(Guid nodeId, Caller caller, CancellationToken cancellationToken)
    {
        var active = await jobs.ListAsync(new JobQuery { NodeId = nodeId, ActiveOnly = true }, cancellationToken);
        foreach (var job in active.Items)
        {
            await jobs.CancelAsync(job.Id, caller.Name, cancellationToken);
        }
    }

    private static IEnumerable<string> ChangedFields(Node a, Node b)
    {
        if (a.Hostname != b.Hostname) yield return "hostname";
        if (a.BpodId != b.BpodId) yield return "bpod";
        if (a.Slot != b.Slot) yield return "slot";
        if (!a.Interfaces.SequenceEqual(b.Interfaces)) yield return "interfaces";
        if (a.Bmc != b.Bmc) yield return "bmc";
        if (!Equals(a.AssignedIp, b.AssignedIp)) yield return "assignedIp";
        if (a.Deploy != b.Deploy) yield return "deploy";
        if (!a.Tags.SequenceEqual(b.Tags)) yield return "tags";
    }

    private Task AuditAsync(Caller caller, string action, Guid? nodeId, string details, CancellationToken cancellationToken) =>
        audit.AppendAsync(new AuditEvent
        {
            At = timeProvider.GetUtcNow(),
            Actor = caller.Name,
            Action = action,
            ObjectType = "node",
            ObjectId = nodeId?.ToString(),
            Source = caller.Source,
            Details = details,
        }, cancellationToken);
}
