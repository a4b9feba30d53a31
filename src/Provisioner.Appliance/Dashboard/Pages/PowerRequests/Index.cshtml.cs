using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Api.Endpoints;
using Provisioner.Appliance.Identity;
using Provisioner.Appliance.Services;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Dashboard.Pages.PowerRequests;

/// <summary>
/// What the manual power driver asks of operators: the pending requests with their instructions and age, "Done" and
/// "Dismiss" for each, and the resolved ones below. The node page posts its buttons here too (returnTo brings it back).
/// </summary>
public sealed class IndexModel(IOperatorRequestRepository requests, INodeRepository nodes, IJobService jobs, StoredOperatorRequests sink, IAuditLog audit)
    : PageModel
{
    public const int HistorySize = 50;

    public Page<OperatorRequestRecord> Pending { get; private set; } = new([], 0, 0, PageRequest.MaxLimit);

    public Page<OperatorRequestRecord> History { get; private set; } = new([], 0, 0, HistorySize);

    public Dictionary<Guid, string> Hostnames { get; private set; } = [];

    /// <summary>The kind of each job that asked ("power-on", "deploy"): job ids are time-ordered, so their prefixes look alike.</summary>
    public Dictionary<Guid, string> JobKinds { get; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        Pending = await requests.ListAsync(new OperatorRequestQuery { Status = OperatorRequestStatus.Pending, Page = new PageRequest(0, PageRequest.MaxLimit) }, ct);
        History = await requests.ListAsync(new OperatorRequestQuery { ResolvedOnly = true, Page = new PageRequest(0, HistorySize) }, ct);
        Hostnames = await PowerRequestEndpoints.HostnamesAsync(nodes, Pending.Items.Concat(History.Items).Select(r => r.NodeId), ct);
        foreach (var id in Pending.Items.Concat(History.Items).Select(r => r.JobId).OfType<Guid>().Distinct())
        {
            if (await jobs.GetAsync(id, ct) is { } job)
            {
                JobKinds[id] = job.Kind;
            }
        }
    }

    public Task<IActionResult> OnPostDoneAsync(Guid id, string? returnTo, CancellationToken ct) =>
        ResolveAsync(id, returnTo, "confirm", actor => sink.ConfirmAsync(id, actor, ct), "marked done", ct);

    public Task<IActionResult> OnPostDismissAsync(Guid id, string? returnTo, CancellationToken ct) =>
        ResolveAsync(id, returnTo, "dismiss", actor => sink.DismissAsync(id, actor, ct), "dismissed", ct);

    private async Task<IActionResult> ResolveAsync(Guid id, string? returnTo, string verb, Func<string, Task<OperatorRequestRecord>> resolve, string outcome,
        CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        try
        {
            var request = await resolve(User.ActorName());
            var host = (await nodes.GetAsync(request.NodeId, ct))?.Hostname ?? request.NodeId.ToString();
            await audit.RecordAsync(HttpContext, $"power-request.{verb}", "power-request", id.ToString(), $"{host}: {request.What}");
            TempData["Flash"] = $"{host}: {request.What} {outcome}.";
        }
        catch (Exception ex) when (ApiExceptionFilter.ToProblem(ex) is not null)
        {
            TempData["Error"] = ex.Message;
        }

        // Only back to a page of this dashboard (returnTo comes from the form).
        return Redirect(returnTo is not null && Url.IsLocalUrl(returnTo) ? returnTo : "/power-requests");
    }
}
