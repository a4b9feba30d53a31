using System.CommandLine;

namespace Provisioner.Cli;

public static partial class CliApp
{
    /// <summary>
    /// <c>provisioner power</c>: the requests manual power puts to operators (press the button, pick the boot device), and
    /// saying they are done or dismissing them.
    /// </summary>
    private static Command PowerCommands(CliContext context)
    {
        var id = new Argument<Guid>("id") { Description = "Request id (from 'provisioner power requests')" };
        var all = new Option<bool>("--all") { Description = "Done and dismissed requests too (default: pending only)" };
        var node = new Option<string?>("--node") { Description = "Only this node's requests (id, hostname or MAC)" };
        var limit = LimitOption();
        var offset = OffsetOption();
        return Group("power", "Manual power: what operators are asked to do at the machines",
            Cmd(context, "requests", "List pending power requests (--all: with the resolved ones)", [all, node, limit, offset], async (r, s, ct) =>
            {
                var q = Paging(r, offset, limit);
                if (!r.GetValue(all)) q += "&status=pending";
                if (r.GetValue(node) is { } n) q += "&node=" + Q(n);
                var page = await s.Api.GetAsync($"api/v1/power-requests?{q}", ct);
                string[] columns = r.GetValue(all)
                    ? ["id", "hostname", "what", "status", "resolvedBy", "resolvedAt", "createdAt"]
                    : ["id", "hostname", "what", "instructions", "createdAt", "jobId"];
                s.Print(r, page, () => Output.Table(s.Context.Out, page, columns));
                return 0;
            }),
            Cmd(context, "confirm", "Say a request is done (operator); a power request sets the node's power state", [id], async (r, s, ct) =>
            {
                var done = await s.Api.PostAsync($"api/v1/power-requests/{r.GetValue(id)}/confirm", null, ct);
                s.Print(r, done, () => s.Context.Out.WriteLine($"{Output.Cell(done, "hostname")}: {Output.Cell(done, "what")} marked done."));
                return 0;
            }),
            Cmd(context, "dismiss", "Dismiss a request that is not to be done (operator)", [id], async (r, s, ct) =>
            {
                var dismissed = await s.Api.PostAsync($"api/v1/power-requests/{r.GetValue(id)}/dismiss", null, ct);
                s.Print(r, dismissed, () => s.Context.Out.WriteLine($"{Output.Cell(dismissed, "hostname")}: {Output.Cell(dismissed, "what")} dismissed."));
                return 0;
            }));
    }
}
