using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages;

/// <summary>The rack view: every zone, its BPODs drawn as racks, each node in its slot.</summary>
public sealed class IndexModel(IZoneRepository zones, IBpodRepository bpods, INodeRepository nodes) : PageModel
{
    public sealed record Rack(Bpod Bpod, IReadOnlyList<Node> Nodes, int Height);

    public sealed record ZoneRacks(Zone Zone, IReadOnlyList<Rack> Racks);

    public IReadOnlyList<ZoneRacks> Zones { get; private set; } = [];

    public Dictionary<string, int> StateCounts { get; } = [];

    public int NodeCount { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        var result = new List<ZoneRacks>();
        foreach (var zone in await zones.ListAsync(ct))
        {
            var racks = new List<Rack>();
            foreach (var bpod in await bpods.ListAsync(zone.Id, ct))
            {
                var list = new List<Node>();
                for (var offset = 0; ; offset += PageRequest.MaxLimit)
                {
                    var page = await nodes.ListAsync(new NodeQuery { BpodId = bpod.Id, Page = new PageRequest(offset, PageRequest.MaxLimit) }, ct);
                    list.AddRange(page.Items);
                    if (page.Items.Count == 0 || offset + page.Items.Count >= page.Total)
                    {
                        break;
                    }
                }

                list.Sort((a, b) => (b.Slot ?? 0).CompareTo(a.Slot ?? 0));
                foreach (var n in list)
                {
                    var key = Api.ApiNames.Of(n.State);
                    StateCounts[key] = StateCounts.GetValueOrDefault(key) + 1;
                }

                NodeCount += list.Count;
                racks.Add(new Rack(bpod, list, Math.Max(list.Select(n => n.Slot ?? 0).DefaultIfEmpty(0).Max(), list.Count)));
            }

            result.Add(new ZoneRacks(zone, racks));
        }

        Zones = result;
    }
}
