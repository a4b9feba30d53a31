namespace Provisioner.Core.Inventory;

/// <summary>An L3 aggregation domain (CloudStack-style zone) holding BPODs.</summary>
public sealed record Zone
{
    public required Guid Id { get; init; }

    /// <summary>Short unique name, used in node naming patterns ({zone}).</summary>
    public required string Name { get; init; }

    public string? Description { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}
