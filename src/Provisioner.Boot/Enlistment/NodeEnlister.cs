using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Provisioner.Boot.Dhcp;
using Provisioner.Boot.Inventory;
using Provisioner.Core.Inventory;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;

namespace Provisioner.Boot.Enlistment;

/// <summary>
/// Enlists machines that PXE-boot with an unknown MAC into the BPOD their request came from, named by the BPOD's
/// pattern with the next free slot. Idempotent: the same MAC is never enlisted twice (the store's unique MAC constraint
/// settles races between appliances). DHCP hands requests over through a queue so the packet path never waits.
/// </summary>
public sealed partial class NodeEnlister : IEnlistmentQueue
{
    private readonly Channel<EnlistmentRequest> _queue = Channel.CreateBounded<EnlistmentRequest>(new BoundedChannelOptions(1024)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly INodeRepository _nodes;
    private readonly IBpodRepository _bpods;
    private readonly IZoneRepository _zones;
    private readonly InventorySnapshotCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger<NodeEnlister> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public NodeEnlister(INodeRepository nodes, IBpodRepository bpods, IZoneRepository zones, InventorySnapshotCache cache, TimeProvider time,
        ILogger<NodeEnlister> logger)
    {
        _nodes = nodes;
        _bpods = bpods;
        _zones = zones;
        _cache = cache;
        _time = time;
        _logger = logger;
    }

    public void Enqueue(EnlistmentRequest request) => _queue.Writer.TryWrite(request);

    /// <summary>Enlists queued machines until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var request in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await EnlistAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogEnlistFailed(_logger, request.Mac.ToString(), e.Message);
            }
        }
    }

    /// <summary>Returns the node with this MAC, enlisting it in <paramref name="request"/>'s BPOD first when it is unknown.</summary>
    public async Task<Node> EnlistAsync(EnlistmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var existing = await _nodes.FindByMacAsync(request.Mac, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                return existing;
            }

            var bpod = await _bpods.GetAsync(request.BpodId, cancellationToken).ConfigureAwait(false)
                       ?? throw new InvalidOperationException($"BPOD {request.BpodId} does not exist");
            var zone = await _zones.GetAsync(bpod.ZoneId, cancellationToken).ConfigureAwait(false);
            var slot = await _nodes.MaxSlotAsync(bpod.Id, cancellationToken).ConfigureAwait(false) + 1;
            var now = _time.GetUtcNow();
            var node = new Node
            {
                Id = Guid.NewGuid(),
                Hostname = Name(bpod.NamingPattern, zone?.Name ?? "zone", bpod.Name, slot, request.Mac),
                BpodId = bpod.Id,
                Slot = slot,
                Interfaces = [new NodeInterface(request.Mac, null, IsPxe: true)],
                SystemUuid = request.SystemUuid,
                CreatedAt = now,
                UpdatedAt = now,
            };
            try
            {
                node = await _nodes.AddAsync(node, cancellationToken).ConfigureAwait(false);
            }
            catch (DuplicateException)
            {
                // Another appliance (or a hostname clash) got there first: the MAC's node, if any, is the answer.
                return await _nodes.FindByMacAsync(request.Mac, cancellationToken).ConfigureAwait(false)
                       ?? throw new InvalidOperationException($"Cannot enlist {request.Mac}: hostname {node.Hostname} is taken by another node");
            }

            await _nodes.AppendHistoryAsync(new NodeHistoryEntry
            {
                NodeId = node.Id,
                At = now,
                Actor = "system",
                Kind = "enlist",
                ToState = node.State,
                Message = $"enlisted by PXE boot of {request.Mac} in BPOD {bpod.Name}",
            }, cancellationToken).ConfigureAwait(false);
            LogEnlisted(_logger, node.Hostname, request.Mac.ToString(), bpod.Name);
            _cache.Invalidate();
            return node;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Fills a naming pattern: {zone}, {bpod}, {slot} or {slot:00}, {mac} (hyphenated).</summary>
    public static string Name(string pattern, string zone, string bpod, int slot, MacAddress mac) =>
        Placeholder().Replace(pattern, m => m.Groups[1].Value switch
        {
            "zone" => zone,
            "bpod" => bpod,
            "slot" => slot.ToString(m.Groups[2].Success ? m.Groups[2].Value : "0", CultureInfo.InvariantCulture),
            "mac" => mac.ToHyphenString(),
            _ => m.Value,
        }).ToLowerInvariant();

    [GeneratedRegex(@"\{(zone|bpod|slot|mac)(?::([0#]+))?\}")]
    private static partial Regex Placeholder();

    [LoggerMessage(EventId = 9020, Level = LogLevel.Information, Message = "Enlisted {Hostname} ({Mac}) in BPOD {Bpod}")]
    private static partial void LogEnlisted(ILogger logger, string hostname, string mac, string bpod);

    [LoggerMessage(EventId = 9021, Level = LogLevel.Warning, Message = "Could not enlist {Mac}: {Error}")]
    private static partial void LogEnlistFailed(ILogger logger, string mac, string error);
}
