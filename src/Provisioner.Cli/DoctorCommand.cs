using System.CommandLine;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Provisioner.Cli;

public static partial class CliApp
{
    /// <summary>
    /// What usually breaks PXE, checked from here and by the appliance: reachability, clock skew, the TFTP listener, and the
    /// appliance's own checks (bootloaders, listeners, stray DHCP servers, BMCs). Exit 1 when any check fails.
    /// </summary>
    private static Command DoctorCommand(CliContext context) =>
        Cmd(context, "doctor", "Check what usually breaks PXE booting and say what to do", [], async (r, s, ct) =>
        {
            var results = new List<(string Name, string Status, string Summary, string? Fix)>();
            var watch = Stopwatch.StartNew();
            JsonElement report;
            try
            {
                report = await s.Api.GetAsync("api/v1/diagnostics", ct);
            }
            catch (CliException ex)
            {
                results.Add(("api", "fail", ex.Message, "Check the URL with 'provisioner login' and that the appliance is running."));
                Print(s, r, results);
                return ExitCodes.Failed;
            }

            results.Add(("api", "ok", $"{s.Api.BaseAddress} answered in {watch.ElapsedMilliseconds} ms", null));
            var skew = DateTimeOffset.UtcNow - report.GetProperty("serverTime").GetDateTimeOffset();
            results.Add(Math.Abs(skew.TotalSeconds) > 60
                ? ("clock-skew", "warn", $"This machine and the appliance differ by {skew.TotalSeconds:0} s.",
                    "Run NTP on both (timedatectl set-ntp true); tokens, TLS and job timeouts depend on it.")
                : ("clock-skew", "ok", $"Clocks agree within {Math.Abs(skew.TotalSeconds):0.0} s.", null));
            results.Add(await CheckTftpAsync(s.Api.BaseAddress.Host, ct));
            foreach (var c in report.GetProperty("checks").EnumerateArray())
            {
                results.Add((Output.Cell(c, "name"), Output.Cell(c, "status"), Output.Cell(c, "summary"), c.TryGetProperty("fix", out var f) ? f.GetString() : null));
            }

            Print(s, r, results);
            return results.Any(x => x.Status == "fail") ? ExitCodes.Failed : 0;
        });

    private static void Print(Session s, ParseResult r, List<(string Name, string Status, string Summary, string? Fix)> results)
    {
        if (GlobalOptions.Json(r))
        {
            s.Context.Out.WriteLine(JsonSerializer.Serialize(results.Select(x => new { name = x.Name, status = x.Status, summary = x.Summary, fix = x.Fix }),
                new JsonSerializerOptions { WriteIndented = true }));
            return;
        }

        foreach (var (name, status, summary, fix) in results)
        {
            var mark = status switch { "ok" => "ok  ", "warn" => "WARN", _ => "FAIL" };
            s.Context.Out.WriteLine($"[{mark}] {name}: {summary}");
            if (fix is not null && status != "ok")
            {
                s.Context.Out.WriteLine($"       fix: {fix}");
            }
        }
    }

    /// <summary>Sends a TFTP read request (RFC 1350) for a file that cannot exist; any answer (data or error) proves a listener.</summary>
    private static async Task<(string, string, string, string?)> CheckTftpAsync(string host, CancellationToken ct)
    {
        try
        {
            using var udp = new UdpClient(host.Contains(':', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
            var request = new List<byte> { 0, 1 };
            request.AddRange(Encoding.ASCII.GetBytes("provisioner-doctor-probe"));
            request.Add(0);
            request.AddRange(Encoding.ASCII.GetBytes("octet"));
            request.Add(0);
            await udp.SendAsync(request.ToArray(), host, 69, ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var reply = await udp.ReceiveAsync(timeout.Token);
            return reply.Buffer.Length >= 2 && reply.Buffer[1] is 3 or 5
                ? ("tftp", "ok", $"TFTP answers on {host}:69.", null)
                : ("tftp", "warn", $"Something on {host}:69 answered, but not as TFTP.", "Check what listens on UDP 69 on the appliance.");
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            return ("tftp", "warn", $"No TFTP answer from {host}:69 within 2 s (from here).",
                "Legacy BIOS PXE needs TFTP: check the appliance's TFTP listener and firewalls between this machine and it (UDP 69 and the high ports).");
        }
    }
}
