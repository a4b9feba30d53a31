using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Inventory;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Dashboard.Pages.Jobs;

/// <summary>One job: its steps with live progress bars (SSE), the streaming log, cancel and retry.</summary>
public sealed class DetailModel(IJobService jobs, INodeRepository nodes, IAuditLog audit) : PageModel
{
    public JobRecord Job { get; private set; } = null!;

    public Node? Node { get; private set; }

    public IReadOnlyList<JobLogLine> Log { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken ct)
    {
        var job = await jobs.GetAsync(id, ct);
        if (job is null)
        {
            return NotFound();
        }

        Job = job;
        Node = job.NodeId is { } n ? await nodes.GetAsync(n, ct) : null;
        Log = await jobs.GetLogAsync(id, 0, 2000, ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        try
        {
            await jobs.CancelAsync(id, User.ActorName(), ct);
            await audit.RecordAsync(HttpContext, "job.cancel", "job", id.ToString(), null);
            TempData["Flash"] = "Job cancelled.";
        }
        catch (Exception ex) when (ApiExceptionFilter.ToProblem(ex) is not null)
        {
            TempData["Error"] = ex.Message;
        }

        return Redirect($"/jobs/{id}");
    }

    public async Task<IActionResult> OnPostRetryAsync(Guid id, CancellationToken ct)
    {
        if (!User.IsOperator())
        {
            return Forbid();
        }

        try
        {
            var job = await jobs.RetryAsync(id, User.ActorName(), ct);
            await audit.RecordAsync(HttpContext, "job.retry", "job", id.ToString(), $"from step {job.CurrentStep}");
            TempData["Flash"] = "Job retried from its failed step.";
        }
        catch (Exception ex) when (ApiExceptionFilter.ToProblem(ex) is not null)
        {
            TempData["Error"] = ex.Message;
        }

        return Redirect($"/jobs/{id}");
    }
}
