namespace Provisioner.Core.Inventory;

/// <summary>Who did what to which object, when and from where.</summary>
public sealed record AuditEvent
{
    public long Id { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>User name, "system", or "node:&lt;id&gt;" for agent calls.</summary>
    public required string Actor { get; init; }

    public required string Action { get; init; }

    public required string ObjectType { get; init; }

    public string? ObjectId { get; init; }

    /// <summary>Remote address or "cli"/"dashboard"/"internal".</summary>
    public string? Source { get; init; }

    public string? Details { get; init; }
}
