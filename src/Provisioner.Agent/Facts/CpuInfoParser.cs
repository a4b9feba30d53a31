using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Facts;

/// <summary>Counts sockets, cores and threads in /proc/cpuinfo.</summary>
public static class CpuInfoParser
{
    /// <summary>Parses the text of /proc/cpuinfo.</summary>
    public static CpuFacts Parse(string cpuinfo)
    {
        string? model = null;
        var threads = 0;
        var sockets = new HashSet<string>(StringComparer.Ordinal);
        var cores = new HashSet<(string, string)>();
        string? physical = null;
        string? core = null;

        void EndProcessor()
        {
            if (physical is not null)
            {
                sockets.Add(physical);
            }

            if (core is not null)
            {
                cores.Add((physical ?? "0", core));
            }

            physical = null;
            core = null;
        }

        foreach (var raw in cpuinfo.Split('\n'))
        {
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var key = raw[..colon].Trim();
            var value = raw[(colon + 1)..].Trim();
            switch (key)
            {
                case "processor":
                    if (threads > 0)
                    {
                        EndProcessor();
                    }

                    threads++;
                    break;
                case "model name":
                    model ??= value;
                    break;
                case "physical id":
                    physical = value;
                    break;
                case "core id":
                    core = value;
                    break;
            }
        }

        EndProcessor();
        var socketCount = Math.Max(1, sockets.Count);
        var coreCount = cores.Count > 0 ? cores.Count : threads;
        return new CpuFacts(model ?? "unknown", socketCount, coreCount, threads);
    }
}
