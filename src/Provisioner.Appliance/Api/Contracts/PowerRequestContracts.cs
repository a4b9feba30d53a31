using Provisioner.Core.Persistence;
using Provisioner.Core.Power;

namespace Provisioner.Appliance.Api.Contracts;

/// <summary>A next-boot override an operator is asked to set in the firmware.</summary>
/// <param name="Device">none, pxe, disk, bios-setup or cdrom.</param>
/// <param name="Persistent">True: every boot until changed; false: the next boot only.</param>
/// <param name="Mode">unspecified, legacy or uefi.</param>
public sealed record BootDeviceDto(string Device, bool Persistent, string Mode)
{
    public static BootDeviceDto From(BootDeviceSetting s) => new(ApiNames.Of(s.Device), s.Persistent, ApiNames.Of(s.Mode));
}

/// <summary>What the manual power driver asked an operator to do for a node, and how it ended.</summary>
/// <param name="Hostname">The node's hostname (null if it vanished between the two reads).</param>
/// <param name="What">What to do, e.g. "power on".</param>
/// <param name="Instructions">The node's "instructions" BMC setting when asked (where the machine is, which button).</param>
/// <param name="Action">on, off, soft-off, cycle or reset; null for a boot device change.</param>
/// <param name="JobId">The job that asked, if one did.</param>
/// <param name="Status">pending, done or dismissed.</param>
/// <param name="ResolvedBy">Who marked it done or dismissed it ("superseded by ID" when a newer request of the same kind replaced it).</param>
public sealed record PowerRequestDto(Guid Id, Guid NodeId, string? Hostname, string What, string? Instructions, string? Action, BootDeviceDto? BootDevice,
    DateTimeOffset CreatedAt, Guid? JobId, string Status, string? ResolvedBy, DateTimeOffset? ResolvedAt)
{
    public static PowerRequestDto From(OperatorRequestRecord r, string? hostname) => new(r.Id, r.NodeId, hostname, r.What, r.Instructions,
        r.Action is { } a ? ApiNames.Of(a) : null, r.BootDevice is { } b ? BootDeviceDto.From(b) : null, r.CreatedAt, r.JobId, ApiNames.Of(r.Status),
        r.ResolvedBy, r.ResolvedAt);
}
