using Provisioner.Core.Networking;

namespace Provisioner.Core.Boot;

/// <summary>Which part of the appliance saw a boot event.</summary>
public enum BootEventSource
{
    Dhcp = 1,
    Tftp = 2,
    Http = 3,
    Agent = 4,
    Power = 5,
    Job = 6,
    Os = 7,
}

/// <summary>
/// One entry of a node's boot timeline: "why did this machine not boot" is answered by reading these in order.
/// Events for a MAC that is not (yet) a node are kept by MAC and shown once it enlists.
/// </summary>
public sealed record BootEvent
{
    public long Id { get; init; }

    public required DateTimeOffset At { get; init; }

    public Guid? NodeId { get; init; }

    public MacAddress? Mac { get; init; }

    public required BootEventSource Source { get; init; }

    /// <summary>Short machine-readable kind: "discover", "offer", "ack", "ignored", "tftp-transfer", "ipxe-script",
    /// "kernel", "hello", "facts", "progress", "power-on"...</summary>
    public required string Kind { get; init; }

    /// <summary>One human line: what happened and what was chosen or why it was ignored.</summary>
    public required string Summary { get; init; }

    /// <summary>Structured details as JSON (xid, arch, boot file, bytes, duration...).</summary>
    public string? DetailsJson { get; init; }
}

/// <summary>Where boot events are kept.</summary>
public interface IBootEventRepository
{
    Task AppendAsync(BootEvent bootEvent, CancellationToken cancellationToken);

    /// <summary>Events of a node (and of its MACs before it enlisted), newest last.</summary>
    Task<IReadOnlyList<BootEvent>> ListForNodeAsync(Guid nodeId, IReadOnlyCollection<MacAddress> macs, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<BootEvent>> ListRecentAsync(int limit, CancellationToken cancellationToken);
}
