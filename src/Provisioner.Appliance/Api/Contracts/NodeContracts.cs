using System.Net;
using System.Text.Json;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;

namespace Provisioner.Appliance.Api.Contracts;

public sealed record NodeInterfaceDto(string Mac, string? Name, bool IsPxe);

/// <summary>BMC settings as shown: the secret is never returned, only whether one is set.</summary>
public sealed record BmcDto(string Driver, string? Address, int? Port, string? Username, bool HasSecret, IReadOnlyDictionary<string, string> Options);

public sealed record DeployDto(string? Image, string? Profile, string? Cluster, IReadOnlyDictionary<string, string> Variables);

public sealed record NodeDto(
    Guid Id,
    string Hostname,
    Guid BpodId,
    int? Slot,
    NodeInterfaceDto[] Interfaces,
    BmcDto? Bmc,
    string PowerState,
    string State,
    string? StateReason,
    string? FailedStep,
    string[] AllowedActions,
    string? AssignedIp,
    DeployDto Deploy,
    string[] Tags,
    Guid? SystemUuid,
    JsonElement? HardwareFacts,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static NodeDto From(Node n) => new(
        n.Id, n.Hostname, n.BpodId, n.Slot,
        n.Interfaces.Select(i => new NodeInterfaceDto(i.Mac.ToString(), i.Name, i.IsPxe)).ToArray(),
        n.Bmc is { } b ? new BmcDto(b.Driver, b.Address, b.Port, b.Username, !string.IsNullOrEmpty(b.Secret), b.Options) : null,
        ApiNames.Of(n.PowerState), ApiNames.Of(n.State), n.StateReason, n.FailedStep, ApiNames.AllowedOperatorActions(n.State),
        n.AssignedIp?.ToString(),
        new DeployDto(n.Deploy.Image, n.Deploy.Profile, n.Deploy.Cluster, n.Deploy.Variables),
        [.. n.Tags], n.SystemUuid, ParseFacts(n.HardwareFactsJson), n.Version, n.CreatedAt, n.UpdatedAt);

    private static JsonElement? ParseFacts(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A compact node row for lists and the rack view.</summary>
public sealed record NodeSummaryDto(Guid Id, string Hostname, Guid BpodId, int? Slot, string? Mac, string? AssignedIp, string State,
    string PowerState, string[] Tags)
{
    public static NodeSummaryDto From(Node n) => new(n.Id, n.Hostname, n.BpodId, n.Slot, n.PxeInterface?.Mac.ToString(), n.AssignedIp?.ToString(),
        ApiNames.Of(n.State), ApiNames.Of(n.PowerState), [.. n.Tags]);
}

public sealed record BmcRequest(string? Driver, string? Address, int? Port, string? Username, string? Secret, Dictionary<string, string>? Options);

public sealed record DeployRequest(string? Image, string? Profile, string? Cluster, Dictionary<string, string>? Variables);

/// <summary>Create a node (hostname, bpodId and at least one interface) or change it (fields given; <c>version</c> required).</summary>
public sealed record NodeRequest(
    string? Hostname,
    Guid? BpodId,
    int? Slot,
    NodeInterfaceDto[]? Interfaces,
    BmcRequest? Bmc,
    string? AssignedIp,
    DeployRequest? Deploy,
    string[]? Tags,
    Guid? SystemUuid,
    long? Version)
{
    public Node ToNode(Node? current, Guid id)
    {
        var e = new ValidationErrors();
        var hostname = Hostname?.Trim().ToLowerInvariant() ?? current?.Hostname;
        if (ApiValidation.InvalidHostname(hostname) is { } hostProblem)
        {
            e.Add("hostname", hostProblem);
        }

        var bpod = BpodId ?? current?.BpodId;
        if (bpod is null)
        {
            e.Add("bpodId", "Give the BPOD (rack) the node is in.");
        }

        if (current is not null && Version is null)
        {
            e.Add("version", "Give the version you read (the node's 'version' field), so a concurrent change is not overwritten.");
        }

        if (Slot is < 0 or > 200)
        {
            e.Add("slot", "Use a slot between 0 and 200.");
        }

        var interfaces = current?.Interfaces ?? [];
        if (Interfaces is not null)
        {
            var list = new List<NodeInterface>();
            for (var i = 0; i < Interfaces.Length; i++)
            {
                if (MacAddress.TryParse(Interfaces[i].Mac, out var mac))
                {
                    list.Add(new NodeInterface(mac, Interfaces[i].Name, Interfaces[i].IsPxe));
                }
                else
                {
                    e.Add($"interfaces[{i}].mac", $"'{Interfaces[i].Mac}' is not a MAC address (e.g. 52:54:00:12:34:56).");
                }
            }

            if (list.Select(l => l.Mac).Distinct().Count() != list.Count)
            {
                e.Add("interfaces", "The same MAC is listed twice.");
            }

            interfaces = list;
        }

        if (current is null && interfaces.Count == 0)
        {
            e.Add("interfaces", "Give at least one interface with its MAC (the one that PXE-boots).");
        }

        var bmc = current?.Bmc;
        if (Bmc is not null)
        {
            if (string.IsNullOrWhiteSpace(Bmc.Driver))
            {
                bmc = null;
            }
            else
            {
                if (!KnownDrivers.Contains(Bmc.Driver))
                {
                    e.Add("bmc.driver", $"Unknown power driver '{Bmc.Driver}'; use one of: {string.Join(", ", KnownDrivers)}.");
                }

                if (Bmc.Driver is "ipmi" or "redfish" or "snmp-pdu" && string.IsNullOrWhiteSpace(Bmc.Address) && string.IsNullOrWhiteSpace(bmc?.Address))
                {
                    e.Add("bmc.address", $"The {Bmc.Driver} driver needs the BMC address.");
                }

                if (Bmc.Port is < 1 or > 65535)
                {
                    e.Add("bmc.port", "Use a port between 1 and 65535.");
                }

                bmc = new BmcSettings
                {
                    Driver = Bmc.Driver,
                    Address = Bmc.Address ?? bmc?.Address,
                    Port = Bmc.Port ?? bmc?.Port,
                    Username = Bmc.Username ?? bmc?.Username,

                    // An absent secret keeps the stored one: clients never see it, so they cannot send it back.
                    Secret = Bmc.Secret ?? bmc?.Secret,
                    Options = Bmc.Options ?? bmc?.Options ?? new Dictionary<string, string>(),
                };
            }
        }

        IPAddress? ip = current?.AssignedIp;
        if (AssignedIp is not null)
        {
            ip = AssignedIp.Length == 0 ? null : ApiValidation.Address(e, "assignedIp", AssignedIp);
        }

        var tags = Tags?.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToArray() ?? current?.Tags ?? [];
        if (tags.Any(t => t.Length > 64 || ApiValidation.InvalidName(t) is not null))
        {
            e.Add("tags", "Tags use letters, digits, '-', '_' and '.', at most 64 characters each.");
        }

        e.ThrowIfAny();
        var deploy = current?.Deploy ?? new DeploySettings();
        if (Deploy is not null)
        {
            deploy = new DeploySettings
            {
                Image = Deploy.Image ?? deploy.Image,
                Profile = Deploy.Profile ?? deploy.Profile,
                Cluster = Deploy.Cluster ?? deploy.Cluster,
                Variables = Deploy.Variables ?? deploy.Variables,
            };
        }

        var baseNode = current ?? new Node { Id = id, Hostname = hostname!, BpodId = bpod!.Value };
        return baseNode with
        {
            Hostname = hostname!,
            BpodId = bpod!.Value,
            Slot = Slot ?? current?.Slot,
            Interfaces = interfaces,
            Bmc = bmc,
            AssignedIp = ip,
            Deploy = deploy,
            Tags = tags,
            SystemUuid = SystemUuid ?? current?.SystemUuid,
            Version = Version ?? current?.Version ?? 0,
        };
    }

    public static readonly string[] KnownDrivers = ["ipmi", "redfish", "snmp-pdu", "manual", "fake"];
}

public sealed record EnlistRequest(string? Mac, Guid? BpodId, string? Hostname, int? Slot);

/// <summary>Parameters of a lifecycle action (deploy uses image/profile; mark-broken a reason; release may wipe).</summary>
public sealed record NodeActionRequest(string? Image, string? Profile, string? Reason, bool? Wipe, Dictionary<string, string>? Variables);

public sealed record NodeActionResult(NodeDto Node, JobDto? Job);

/// <summary>Apply one action to many nodes: those of a BPOD, a zone, a tag, or listed ids (combined with AND).</summary>
public sealed record BulkActionRequest(string? Action, Guid? BpodId, Guid? ZoneId, string? Tag, Guid[]? NodeIds, string? Image, string? Profile,
    string? Reason);

public sealed record BulkItemResult(Guid NodeId, string Hostname, bool Ok, Guid? JobId, string? Error);

public sealed record BulkActionResult(string Action, int Matched, int Succeeded, int Failed, BulkItemResult[] Results);

public sealed record NodeHistoryDto(long Id, DateTimeOffset At, string Actor, string Kind, string? FromState, string? ToState, string? Message);

public sealed record BootEventDto(long Id, DateTimeOffset At, Guid? NodeId, string? Mac, string Source, string Kind, string Summary, JsonElement? Details);
