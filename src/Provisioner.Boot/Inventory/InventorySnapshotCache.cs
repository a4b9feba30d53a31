using Microsoft.Extensions.Logging;
using Provisioner.Core.Persistence;

namespace Provisioner.Boot.Inventory;

/// <summary>
/// Keeps the current <see cref="InventorySnapshot"/>. It reloads on <see cref="Invalidate"/> (this appliance's own
/// writes) and at a short interval (other appliances' writes on a shared PostgreSQL).
/// </summary>
public sealed partial class InventorySnapshotCache(
    IZoneRepository zones,
    IBpodRepository bpods,
    INodeRepository nodes,
    ILogger<InventorySnapshotCache> logger)
{
    private readonly SemaphoreSlim _changed = new(0, 1);
    private volatile InventorySnapshot _current = InventorySnapshot.Empty;

    /// <summary>How often the snapshot is reloaded when nothing signals a change.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(2);

    public InventorySnapshot Current => _current;

    /// <summary>Asks for a reload soon (call after changing zones, BPODs or nodes).</summary>
    public void Invalidate()
    {
        if (_changed.CurrentCount == 0)
        {
            try
            {
                _changed.Release();
            }
            catch (SemaphoreFullException)
            {
                // a reload is already pending
            }
        }
    }

    /// <summary>Loads a fresh snapshot now.</summary>
    public async Task<InventorySnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        var z = await zones.ListAsync(cancellationToken).ConfigureAwait(false);
        var b = await bpods.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var all = new List<Core.Inventory.Node>();
        var offset = 0;
        while (true)
        {
            var page = await nodes.ListAsync(new NodeQuery { Page = new PageRequest(offset, PageRequest.MaxLimit) }, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Items);
            offset += page.Items.Count;
            if (page.Items.Count == 0 || offset >= page.Total)
            {
                break;
            }
        }

        var snapshot = new InventorySnapshot(z, b, all);
        _current = snapshot;
        return snapshot;
    }

    /// <summary>Reloads on every change signal and at <see cref="RefreshInterval"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRefreshFailed(logger, e.Message);
            }

            try
            {
                await _changed.WaitAsync(RefreshInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 9010, Level = LogLevel.Warning, Message = "Inventory snapshot reload failed: {Error}")]
    private static partial void LogRefreshFailed(ILogger logger, string error);
}
