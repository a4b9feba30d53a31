using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Dashboard.Pages.Jobs;

public sealed class IndexModel(IJobService jobs, INodeRepository nodes) : PageModel
{
    public const int PageSize = 50;

    public Page<JobRecord> Result { get; private set; } = new([], 0, 0, PageSize);

    public Dictionary<Guid, string> NodeNames { get; } = [];

    public string? State { get; private set; }

    public bool Active { get; private set; }

    public int PageNumber { get; private set; }

    public async Task OnGetAsync(string? state, bool active, int? p, CancellationToken ct)
    {
        State = state;
        Active = active;
        PageNumber = Math.Max(1, p ?? 1);
        Result = await jobs.ListAsync(new JobQuery
        {
            State = ApiNames.TryParse<JobState>(state, out var s) ? s : null,
            ActiveOnly = active,
            Page = new PageRequest((PageNumber - 1) * PageSize, PageSize),
        }, ct);
        foreach (var id in Result.Items.Select(j => j.NodeId).OfType<Guid>().Distinct())
        {
            if (await nodes.GetAsync(id, ct) is { } n)
            {
                NodeNames[id] = n.Hostname;
            }
        }
    }
}
