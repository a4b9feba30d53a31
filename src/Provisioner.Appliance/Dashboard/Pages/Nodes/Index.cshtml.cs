using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Dashboard.Pages.Nodes;

/// <summary>All nodes, 50 a page, searchable by hostname, MAC, IP or serial and filtered by state, BPOD or tag.</summary>
public sealed class IndexModel(INodeRepository nodes, IBpodRepository bpods) : PageModel
{
    public const int PageSize = 50;

    public Page<Node> Result { get; private set; } = new([], 0, 0, PageSize);

    public Dictionary<Guid, string> BpodNames { get; private set; } = [];

    public string? Q { get; private set; }

    public string? State { get; private set; }

    public string? Tag { get; private set; }

    public Guid? Bpod { get; private set; }

    public int PageNumber { get; private set; }

    public async Task OnGetAsync(string? q, string? state, string? tag, Guid? bpod, int? p, CancellationToken ct)
    {
        Q = q;
        State = state;
        Tag = tag;
        Bpod = bpod;
        PageNumber = Math.Max(1, p ?? 1);
        NodeState? s = ApiNames.TryParse<NodeState>(state, out var parsed) ? parsed : null;
        Result = await nodes.ListAsync(new NodeQuery
        {
            Search = string.IsNullOrWhiteSpace(q) ? null : q,
            State = s,
            Tag = string.IsNullOrWhiteSpace(tag) ? null : tag,
            BpodId = bpod,
            Page = new PageRequest((PageNumber - 1) * PageSize, PageSize),
        }, ct);
        BpodNames = (await bpods.ListAsync(null, ct)).ToDictionary(b => b.Id, b => b.Name);
    }

    public string Link(int page) =>
        $"/nodes?p={page}&q={Uri.EscapeDataString(Q ?? "")}&state={Uri.EscapeDataString(State ?? "")}&tag={Uri.EscapeDataString(Tag ?? "")}{(Bpod is { } b ? "&bpod=" + b : "")}";
}
