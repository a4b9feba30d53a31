using System.Globalization;
using System.Text;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Diagnostics;

/// <summary>
/// Prints the machine-readable console markers the test harness and the virtual rack follow:
/// <c>PROVISIONER-EVENT &lt;name&gt; k=v ... uptime=&lt;s&gt;</c>. Values with spaces or quotes are double-quoted.
/// </summary>
public sealed class ConsoleEvents(TextWriter output, Func<double> uptimeSeconds)
{
    private readonly Lock _gate = new();

    /// <summary>Writes one event line.</summary>
    public void Emit(string name, params (string Key, object? Value)[] fields)
    {
        var sb = new StringBuilder(AgentApi.ConsoleEventPrefix).Append(' ').Append(name);
        foreach (var (key, value) in fields)
        {
            if (value is null)
            {
                continue;
            }

            sb.Append(' ').Append(key).Append('=').Append(Quote(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty));
        }

        sb.Append(" uptime=").Append(uptimeSeconds().ToString("0.00", CultureInfo.InvariantCulture));
        lock (_gate)
        {
            output.WriteLine(sb.ToString());
            output.Flush();
        }
    }

    /// <summary>Quotes a value when it would otherwise break the k=v format; newlines become spaces.</summary>
    public static string Quote(string value)
    {
        var flat = value.ReplaceLineEndings(" ");
        if (flat.Length > 0 && !flat.Any(c => char.IsWhiteSpace(c) || c is '"' or '=' or '\\'))
        {
            return flat;
        }

        return "\"" + flat.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>Seconds since the machine booted, from /proc/uptime (0 when unreadable).</summary>
    public static double ReadUptime(string procUptimePath = "/proc/uptime")
    {
        try
        {
            var text = File.ReadAllText(procUptimePath);
            var first = text.Split(' ', 2)[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
