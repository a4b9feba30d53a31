using System.Globalization;
using System.Text.Json.Nodes;
using Provisioner.TestKit.VirtualRack;

namespace Provisioner.Demo;

/// <summary>
/// The main job, driven through the REST API exactly as ops would: register each machine with its BMC, commission
/// them all, deploy the test OS on all, and print every change of state, step and progress on the way.
/// </summary>
internal sealed class DemoRun(VirtualBpod rack, Action<string> say)
{
    private static readonly TimeSpan CommissionTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(20);
    private readonly List<(VirtualMachine Machine, JsonNode Node)> _nodes = [];
    private readonly Dictionary<string, string> _lastLine = new(StringComparer.Ordinal);

    public async Task<bool> ProvisionAsync(int machines, CancellationToken ct)
    {
        for (var slot = 1; slot <= machines; slot++)
        {
            var machine = await rack.Network.AddMachineWithBmcAsync(mac => new MachineSpec { Name = $"m{slot}", Mac = mac, Firmware = Firmware.Uefi });
            var node = await rack.RegisterAsync(machine, slot);
            _nodes.Add((machine, node));
            say($"registered {node["hostname"]} (MAC {machine.Spec.Mac}) with its BMC at {machine.Bmc!.EndPoint}");
        }

        await rack.RegisterTestOsAsync();
        say("registered image test-os (the project's UEFI test OS) and imported it into the chunked format");

        foreach (var (_, node) in _nodes)
        {
            await rack.ActAsync(node, "commission");
        }

        say("commissioning: the appliance sets PXE boot and powers each machine on through IPMI");
        if (!await WaitAllAsync("ready", CommissionTimeout, ct))
        {
            return false;
        }

        foreach (var (_, node) in _nodes)
        {
            await rack.ActAsync(node, "deploy", new { image = "test-os", profile = "test-os" });
        }

        say("deploying test-os with profile test-os on every machine");
        return await WaitAllAsync("deployed", DeployTimeout, ct);
    }

    public async Task<List<DeployPhases>> PhasesAsync()
    {
        var rows = new List<DeployPhases>();
        foreach (var (_, node) in _nodes)
        {
            var id = node["id"]!.GetValue<string>();
            var jobs = (await rack.Api.GetAsync($"api/v1/jobs?nodeId={id}&kind=deploy&limit=10"))["items"]!.AsArray();
            var deploy = jobs.MaxBy(j => j!["createdAt"]!.GetValue<DateTimeOffset>())!;
            var timeline = (await rack.Api.GetAsync($"api/v1/nodes/{id}/timeline")).AsArray();
            rows.Add(DeployPhases.From(node["hostname"]!.GetValue<string>(), deploy, timeline));
        }

        return rows;
    }

    private async Task<bool> WaitAllAsync(string state, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            ct.ThrowIfCancellationRequested();
            var settled = 0;
            foreach (var (machine, node) in _nodes)
            {
                var (line, nodeState, active) = await DescribeAsync(node);
                if (!_lastLine.TryGetValue(machine.Spec.Mac, out var last) || last != line)
                {
                    _lastLine[machine.Spec.Mac] = line;
                    say(line);
                }

                if (nodeState.StartsWith("failed", StringComparison.Ordinal))
                {
                    say($"{node["hostname"]} failed; its jobs, boot timeline and log are on the dashboard");
                    return false;
                }

                settled += nodeState == state && !active ? 1 : 0;
            }

            if (settled == _nodes.Count)
            {
                say($"every machine is {state}");
                return true;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }

        say($"not every machine reached {state} within {timeout.TotalMinutes:0} minutes");
        return false;
    }

    /// <summary>One line per node: state, power, and the running job's current step with its progress.</summary>
    private async Task<(string Line, string State, bool Active)> DescribeAsync(JsonNode node)
    {
        var id = node["id"]!.GetValue<string>();
        var n = await rack.Api.GetAsync($"api/v1/nodes/{id}");
        var state = n["state"]!.GetValue<string>();
        var line = $"{n["hostname"],-9} {state,-12} power {n["powerState"]?.GetValue<string>() ?? "?",-7}";
        var active = (await rack.Api.GetAsync($"api/v1/jobs?nodeId={id}&active=true"))["items"]!.AsArray();
        var job = active.FirstOrDefault();
        if (job is not null)
        {
            var step = job["steps"]!.AsArray().FirstOrDefault(s => s!["state"]!.GetValue<string>() == "running");
            line += $" job {job["kind"]} {job["percent"]!.GetValue<double>().ToString("0", CultureInfo.InvariantCulture)}%";
            if (step is not null)
            {
                line += $" step {step["name"]}";
                if (step["percent"]?.GetValue<double>() is double p)
                {
                    // Progress lines change often while streaming; print them in 10 % steps.
                    line += $" {Math.Floor(p / 10) * 10:0}%";
                }
            }
        }

        return (line, state, active.Count > 0);
    }
}
