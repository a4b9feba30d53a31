using System.CommandLine;

namespace Provisioner.Cli;

public static partial class CliApp
{
    private static Command JobCommands(CliContext context)
    {
        var id = new Argument<Guid>("id") { Description = "Job id" };
        var node = new Option<string?>("--node") { Description = "Only this node's jobs (id, hostname or MAC)" };
        var state = new Option<string?>("--state") { Description = "pending, running, succeeded, failed, cancelled" };
        var active = new Option<bool>("--active") { Description = "Only pending and running jobs" };
        var wait = new Option<bool>("--wait") { Description = "Follow the retried job until it ends" };
        var limit = LimitOption();
        var offset = OffsetOption();
        return Group("job", "Jobs: list, show, log, watch, cancel, retry",
            Cmd(context, "list", "List jobs", [node, state, active, limit, offset], async (r, s, ct) =>
            {
                var q = Paging(r, offset, limit);
                if (r.GetValue(node) is { } n)
                {
                    q += "&nodeId=" + (await s.Api.GetAsync($"api/v1/nodes/{Q(n)}", ct)).GetProperty("id").GetGuid();
                }

                if (r.GetValue(state) is { } st) q += "&state=" + Q(st);
                if (r.GetValue(active)) q += "&active=true";
                var page = await s.Api.GetAsync($"api/v1/jobs?{q}", ct);
                s.Print(r, page, () => Output.Table(s.Context.Out, page, "id", "kind", "state", "percent", "requestedBy", "createdAt", "error"));
                return 0;
            }),
            Cmd(context, "show", "Show a job and its steps", [id], async (r, s, ct) =>
            {
                var j = await s.Api.GetAsync($"api/v1/jobs/{r.GetValue(id)}", ct);
                s.Print(r, j, () =>
                {
                    Output.Fields(s.Context.Out, j, "id", "kind", "state", "percent", "nodeId", "requestedBy", "createdAt", "finishedAt", "error");
                    s.Context.Out.WriteLine();
                    Output.Table(s.Context.Out, j.GetProperty("steps"), "index", "name", "state", "percent", "attempt", "message", "error");
                });
                return 0;
            }),
            Cmd(context, "log", "Print a job's log", [id], async (r, s, ct) =>
            {
                var lines = await s.Api.GetAsync($"api/v1/jobs/{r.GetValue(id)}/log?limit=5000", ct);
                s.Print(r, lines, () =>
                {
                    foreach (var l in lines.EnumerateArray())
                    {
                        s.Context.Out.WriteLine($"{Output.Cell(l, "at")} [{Output.Cell(l, "stepIndex")}] {Output.Cell(l, "level")}: {Output.Cell(l, "text")}");
                    }
                });
                return 0;
            }),
            Cmd(context, "watch", "Follow a job with a progress bar until it ends (exit 1 if it fails)", [id], async (r, s, ct) =>
            {
                var (final, code) = await new JobWatcher(s.Api, s.Context).WatchAsync(r.GetValue(id), ct);
                s.Print(r, final, () => s.Context.Out.WriteLine($"{Output.Cell(final, "kind")} {Output.Cell(final, "state")}{(code == 0 ? "" : ": " + Output.Cell(final, "error"))}"));
                return code;
            }),
            Cmd(context, "cancel", "Cancel a pending or running job (operator)", [id], async (r, s, ct) =>
            {
                var j = await s.Api.PostAsync($"api/v1/jobs/{r.GetValue(id)}/cancel", null, ct);
                s.Print(r, j, () => s.Context.Out.WriteLine($"Job {Output.Cell(j, "id")} is {Output.Cell(j, "state")}."));
                return 0;
            }),
            Cmd(context, "retry", "Run a failed or cancelled job again from its failed step (operator)", [id, wait], async (r, s, ct) =>
            {
                var j = await s.Api.PostAsync($"api/v1/jobs/{r.GetValue(id)}/retry", null, ct);
                return await FinishActionAsync(r, s, j, j, r.GetValue(wait), ct);
            }));
    }
}
