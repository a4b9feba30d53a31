using System.Collections.Concurrent;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Workflows;
using Provisioner.Core.Persistence;
using Provisioner.Core.Power;
using Provisioner.Power;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// Every registered BMC answers a power-state query, through the same runner as jobs (so the per-BMC command gate is
/// respected). BMCs are asked concurrently (bounded), each with its own timeout; BMCs shared by several nodes (a chassis)
/// are asked once. Drivers that cannot query (manual power) are skipped.
/// </summary>
public sealed class BmcDiagnosticCheck(INodeRepository nodes, PowerDriverRegistry drivers, PowerActionRunner runner) : IDiagnosticCheck
{
    private const int Parallelism = 32;
    private static readonly TimeSpan PerBmc = TimeSpan.FromSeconds(4);

    public string Name => "bmcs";

    public TimeSpan Timeout => TimeSpan.FromSeconds(15);

    public async Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        var targets = new Dictionary<string, (PowerTarget Target, List<string> Nodes)>(StringComparer.Ordinal);
        for (var offset = 0; ; offset += PageRequest.MaxLimit)
        {
            var page = await nodes.ListAsync(new NodeQuery { Page = new PageRequest(offset, PageRequest.MaxLimit) }, cancellationToken).ConfigureAwait(false);
            foreach (var node in page.Items)
            {
                if (node.Bmc is not { } bmc || !drivers.TryGet(bmc.Driver, out var driver) || !driver.Capabilities.HasFlag(PowerDriverCapabilities.Query))
                {
                    continue;
                }

                var target = NodePower.TargetOf(node, bmc);
                var key = $"{target.EndpointKey}|{target.Username}";
                if (!targets.TryGetValue(key, out var entry))
                {
                    targets[key] = entry = (target, []);
                }

                entry.Nodes.Add(node.Hostname);
            }

            if (page.Items.Count < PageRequest.MaxLimit)
            {
                break;
            }
        }

        if (targets.Count == 0)
        {
            return DiagnosticResult.Ok("No node has a BMC that can be queried.");
        }

        // Leave time to report: BMCs not reached before the check's deadline are counted, not waited for.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Timeout - TimeSpan.FromSeconds(2));
        var failed = new ConcurrentBag<string>();
        var answered = 0;
        var notReached = 0;
        await Parallel.ForEachAsync(targets.Values, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = CancellationToken.None },
            async (entry, _) =>
            {
                if (budget.IsCancellationRequested)
                {
                    Interlocked.Increment(ref notReached);
                    return;
                }

                using var one = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
                one.CancelAfter(PerBmc);
                var who = $"{string.Join(", ", entry.Nodes.Take(3))}{(entry.Nodes.Count > 3 ? $" (+{entry.Nodes.Count - 3})" : "")} at {entry.Target.Address}";
                try
                {
                    await runner.QueryAsync(entry.Target, one.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref answered);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    failed.Add($"{who}: no answer within {PerBmc.TotalSeconds:0} s");
                }
                catch (PowerException e)
                {
                    failed.Add($"{who}: {e.Message}");
                }
            }).ConfigureAwait(false);

        var total = targets.Count;
        if (!failed.IsEmpty)
        {
            var list = failed.Order(StringComparer.Ordinal).ToArray();
            return DiagnosticResult.Fail($"{list.Length} of {total} BMC(s) did not answer: {string.Join("; ", list.Take(10))}{(list.Length > 10 ? "; ..." : "")}.",
                "Check each BMC's address, port and credentials on its node page (ipmitool -I lanplus -H ADDRESS -U USER -P ... chassis power status " +
                "from the appliance), and that the appliance can reach the BMC network.");
        }

        return notReached > 0
            ? DiagnosticResult.Warn($"{answered} of {total} BMC(s) answered; {notReached} were not asked before the check's {Timeout.TotalSeconds:0} s ran out.",
                "Run doctor again, or check power with the power monitor (node list, power column).")
            : DiagnosticResult.Ok($"All {total} BMC(s) answered a power-state query.");
    }
}
