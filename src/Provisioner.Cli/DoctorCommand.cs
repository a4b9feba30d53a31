using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Provisioner.Cli;

public static partial class CliApp
{
    /// <summary>Exit codes of 'provisioner doctor' (its own scale, for scripts and monitoring).</summary>
    public static class DoctorExitCodes
    {
        public const int Ok = 0;
        public const int Warnings = 1;
        public const int Failures = 2;
    }

    private sealed record DoctorResult(string Name, string Status, string Summary, string? Fix, long? DurationMs = null);

    /// <summary>
    /// What usually breaks PXE, checked from here and by the appliance: reachability, clock skew, the appliance's own checks
    /// (boot loaders, live image, DHCP/TFTP listeners, its public URL, other DHCP servers, BMCs), and its TFTP server as seen
    /// from this machine. Exit 0 when all is well, 1 with warnings only, 2 with a failure.
    /// </summary>
    private static Command DoctorCommand(CliContext context) =>
        Cmd(context, "doctor", "Check what usually breaks PXE booting and say what to do (exit 0 ok, 1 warnings, 2 failures)", [], async (r, s, ct) =>
        {
            var results = new List<DoctorResult>();
            var watch = Stopwatch.StartNew();
            JsonElement report;
            try
            {
                report = await s.Api.GetAsync("api/v1/diagnostics", ct);
            }
            catch (CliException ex)
            {
                results.Add(new("api", "fail", ex.Message, "Check the URL with 'provisioner login', that the appliance is running, and that your token is valid."));
                Print(s, r, results);
                return DoctorExitCodes.Failures;
            }

            results.Add(new("api", "ok", $"{s.Api.BaseAddress} answered in {watch.ElapsedMilliseconds} ms", null, watch.ElapsedMilliseconds));
            var skew = DateTimeOffset.UtcNow - report.GetProperty("serverTime").GetDateTimeOffset();
            results.Add(Math.Abs(skew.TotalSeconds) > 60
                ? new("clock-skew", "warn", $"This machine and the appliance differ by {skew.TotalSeconds:0} s.",
                    "Run NTP on both (timedatectl set-ntp true); tokens, TLS and job timeouts depend on it.")
                : new("clock-skew", "ok", $"Clocks agree within {Math.Abs(skew.TotalSeconds):0.0} s.", null));
            foreach (var c in report.GetProperty("checks").EnumerateArray())
            {
                results.Add(new(Output.Cell(c, "name"), Output.Cell(c, "status"), Output.Cell(c, "summary"),
                    c.TryGetProperty("fix", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null,
                    c.TryGetProperty("durationMs", out var d) && d.TryGetInt64(out var ms) ? ms : null));
            }

            // The appliance reaching its own TFTP server says little about firewalls between this machine and it.
            if (report.GetProperty("checks").EnumerateArray().FirstOrDefault(c => Output.Cell(c, "name") == "tftp") is { ValueKind: JsonValueKind.Object } tftp
                && tftp.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object
                && details.TryGetProperty("port", out var portText) && int.TryParse(portText.GetString(), CultureInfo.InvariantCulture, out var port))
            {
                results.Add(await CheckTftpAsync(s.Api.BaseAddress.Host, port, ct));
            }

            Print(s, r, results);
            return results.Any(x => x.Status == "fail") ? DoctorExitCodes.Failures
                : results.Any(x => x.Status == "warn") ? DoctorExitCodes.Warnings
                : DoctorExitCodes.Ok;
        });

    private static void Print(Session s, ParseResult r, List<DoctorResult> results)
    {
        var w = s.Context.Out;
        if (GlobalOptions.Json(r))
        {
            w.WriteLine(JsonSerializer.Serialize(results.Select(x => new { name = x.Name, status = x.Status, summary = x.Summary, fix = x.Fix, durationMs = x.DurationMs }),
                new JsonSerializerOptions { WriteIndented = true }));
            return;
        }

        var nameWidth = Math.Max("CHECK".Length, results.Max(x => x.Name.Length));
        const int StatusWidth = 6;
        w.WriteLine($"{"CHECK".PadRight(nameWidth)}  {"STATUS".PadRight(StatusWidth)}  SUMMARY");
        foreach (var x in results)
        {
            var mark = x.Status switch { "ok" => "ok", "warn" => "WARN", _ => "FAIL" };
            w.WriteLine($"{x.Name.PadRight(nameWidth)}  {mark.PadRight(StatusWidth)}  {x.Summary}");
            if (x.Fix is not null && x.Status != "ok")
            {
                w.WriteLine($"{new string(' ', nameWidth + StatusWidth + 4)}fix: {x.Fix}");
            }
        }

        var failures = results.Count(x => x.Status == "fail");
        var warnings = results.Count(x => x.Status == "warn");
        w.WriteLine();
        w.WriteLine($"{results.Count} checks: {results.Count - failures - warnings} ok, {warnings} warning(s), {failures} failure(s)");
    }

    /// <summary>Sends a TFTP read request (RFC 1350) for a file that cannot exist; any answer (data or error) proves a listener.</summary>
    private static async Task<DoctorResult> CheckTftpAsync(string host, int port, CancellationToken ct)
    {
        const string Name = "tftp-from-here";
        try
        {
            using var udp = new UdpClient(host.Contains(':', StringComparison.Ordinal) ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
            var request = new List<byte> { 0, 1 };
            request.AddRange(Encoding.ASCII.GetBytes("provisioner-doctor-probe"));
            request.Add(0);
            request.AddRange(Encoding.ASCII.GetBytes("octet"));
            request.Add(0);
            await udp.SendAsync(request.ToArray(), host, port, ct);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            var reply = await udp.ReceiveAsync(timeout.Token);
            return reply.Buffer.Length >= 2 && reply.Buffer[1] is 3 or 5
                ? new(Name, "ok", $"TFTP answers on {host}:{port} from this machine.", null)
                : new(Name, "warn", $"Something on {host}:{port} answered, but not as TFTP.", $"Check what listens on UDP {port} on the appliance.");
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
            return new(Name, "warn", $"No TFTP answer from {host}:{port} within 2 s (from this machine).",
                $"Legacy BIOS PXE needs TFTP: check firewalls between this machine and the appliance (UDP {port} and the high ports of transfers).");
        }
    }
}
