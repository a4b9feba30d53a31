using System.Globalization;
using System.Text.Json.Nodes;

namespace Provisioner.Demo;

/// <summary>
/// Where a deploy's time went, from the deploy job's step times and the node's boot timeline:
/// power (boot device + power cycle through the BMC), PXE (power-on to the iPXE script: firmware, DHCP, iPXE),
/// live boot (script to the agent's hello: kernel, initrd, live system), image (stream and verify, seed),
/// reboot (boot device to disk + power cycle) and first boot (to the deployed OS's callback).
/// </summary>
internal sealed record DeployPhases(string Hostname, TimeSpan Power, TimeSpan Pxe, TimeSpan LiveBoot, TimeSpan Image, TimeSpan Reboot, TimeSpan FirstBoot)
{
    public TimeSpan Total => Power + Pxe + LiveBoot + Image + Reboot + FirstBoot;

    public static readonly string[] Names = ["power", "PXE", "live boot", "image", "reboot", "first boot", "total"];

    public IEnumerable<TimeSpan> Values => [Power, Pxe, LiveBoot, Image, Reboot, FirstBoot, Total];

    public static DeployPhases From(string hostname, JsonNode deployJob, JsonArray timeline)
    {
        var steps = deployJob["steps"]!.AsArray().ToDictionary(s => s!["name"]!.GetValue<string>(), s => s!);
        DateTimeOffset Start(string step) => steps[step]["startedAt"]!.GetValue<DateTimeOffset>();
        DateTimeOffset End(string step) => steps[step]["finishedAt"]!.GetValue<DateTimeOffset>();
        var powered = End("power-cycle");
        var script = timeline
            .Where(e => e!["kind"]!.GetValue<string>() == "ipxe-script")
            .Select(e => e!["at"]!.GetValue<DateTimeOffset>())
            .Where(at => at >= powered && at <= End("wait-agent"))
            .DefaultIfEmpty(powered)
            .Min();
        return new DeployPhases(
            hostname,
            Power: powered - Start("set-boot-pxe"),
            Pxe: script - powered,
            LiveBoot: End("wait-agent") - script,
            Image: End("stream-image") - Start("stream-image"),
            Reboot: End("reboot") - Start("set-boot-disk"),
            FirstBoot: End("wait-deployed") - End("reboot"));
    }

    public static string Table(IReadOnlyList<DeployPhases> rows)
    {
        string S(TimeSpan t) => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var header = "| node | " + string.Join(" | ", Names.Select(n => n + " (s)")) + " |";
        var rule = "|" + string.Concat(Enumerable.Repeat("---|", Names.Length + 1));
        var lines = rows.Select(r => $"| {r.Hostname} | " + string.Join(" | ", r.Values.Select(S)) + " |");
        return string.Join('\n', [header, rule, .. lines]);
    }
}
