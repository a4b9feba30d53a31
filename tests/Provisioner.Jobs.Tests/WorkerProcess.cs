using System.Globalization;
using Provisioner.TestKit;

namespace Provisioner.Jobs.Tests;

/// <summary>Starts Provisioner.Jobs.TestWorker (a job engine in its own process) so a test can SIGKILL it mid-job.</summary>
internal static class WorkerProcess
{
    public static async Task<PeerProcess> StartAsync(string provider, string connectionString, string owner, string traceFile, int leaseMs, int heartbeatMs, int maxJobs,
        int? maxStepInterruptions = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host
            : Peers.Require("dotnet", "dotnet-sdk");
        var dll = Path.Combine(AppContext.BaseDirectory, "Provisioner.Jobs.TestWorker.dll");
        var p = PeerProcess.Start(dotnet,
        [
            dll, provider, connectionString, owner, traceFile, leaseMs.ToString(CultureInfo.InvariantCulture),
            heartbeatMs.ToString(CultureInfo.InvariantCulture), maxJobs.ToString(CultureInfo.InvariantCulture),
            .. maxStepInterruptions is { } max ? [max.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
        ]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!p.Stdout.Contains("ready", StringComparison.Ordinal))
        {
            if (p.HasExited)
            {
                // A worker may get as far as its job's step and die by design before its output was read: let the readers
                // finish, then judge by what it printed.
                await p.WaitForExitAsync(TimeSpan.FromSeconds(5));
                if (p.Stdout.Contains("ready", StringComparison.Ordinal))
                {
                    return p;
                }
            }

            if (p.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"worker {owner} did not start:\n{p.Stdout}\n{p.Stderr}");
            }

            await Task.Delay(20);
        }

        return p;
    }

    /// <summary>SIGKILL: no shutdown code runs, leases stay as they were.</summary>
    public static async Task KillAsync(PeerProcess p)
    {
        PeerProcess.Signal(p.Pid, 9);
        Assert.True(await p.WaitForExitAsync(TimeSpan.FromSeconds(10)), "worker survived SIGKILL");
    }
}

/// <summary>One line of the trace the "trace" workflow writes.</summary>
internal sealed record TraceLine(string What, Guid JobId, int Step, string Owner, int Pid, long Ticks)
{
    /// <summary>Reads the trace files of every worker ("{file}.{owner}"), in time order. A worker killed mid-write may leave a partial last line.</summary>
    public static IReadOnlyList<TraceLine> Read(string file) =>
        Directory.GetFiles(Path.GetDirectoryName(file)!, Path.GetFileName(file) + ".*")
            .SelectMany(f => File.ReadAllLines(f))
            .Select(l => l.Split(' '))
            .Where(p => p.Length == 6 && p[5].Length > 0)
            .Select(p => new TraceLine(p[0], Guid.Parse(p[1]), int.Parse(p[2], CultureInfo.InvariantCulture), p[3], int.Parse(p[4], CultureInfo.InvariantCulture),
                long.Parse(p[5], CultureInfo.InvariantCulture)))
            .OrderBy(l => l.Ticks)
            .ToList();
}

/// <summary>Checks a trace for the durability guarantees.</summary>
internal static class TraceAssert
{
    /// <summary>Every step of every job ended exactly once, and no two executions of one step overlapped in time
    /// (an execution lasts from its start to its end/stop line, or to its process's death for a killed worker).</summary>
    public static void EachStepOnceAndNeverConcurrent(IReadOnlyList<TraceLine> trace, IReadOnlyDictionary<int, long> killedAt, IEnumerable<Guid> jobs, int steps)
    {
        foreach (var job in jobs)
        {
            for (var step = 0; step < steps; step++)
            {
                var lines = trace.Where(l => l.JobId == job && l.Step == step).ToList();
                Assert.Single(lines, l => l.What == "end");
                var runs = new List<(long From, long To)>();
                foreach (var start in lines.Where(l => l.What == "start"))
                {
                    var finish = lines.FirstOrDefault(l => l.Pid == start.Pid && l.What is "end" or "stop" && l.Ticks >= start.Ticks);
                    var to = finish?.Ticks ?? (killedAt.TryGetValue(start.Pid, out var k) ? k : throw new Xunit.Sdk.XunitException(
                        $"step {step} of job {job} started in live process {start.Pid} and never finished"));
                    runs.Add((start.Ticks, to));
                }

                runs.Sort();
                for (var i = 1; i < runs.Count; i++)
                {
                    Assert.True(runs[i].From >= runs[i - 1].To, $"step {step} of job {job} ran twice at once: {runs[i - 1]} and {runs[i]}");
                }
            }
        }
    }
}
