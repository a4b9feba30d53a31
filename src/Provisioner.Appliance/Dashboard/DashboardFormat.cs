using System.Globalization;

namespace Provisioner.Appliance.Dashboard;

/// <summary>How the dashboard prints sizes, rates, times and durations: short, fixed units, UTC.</summary>
public static class DashboardFormat
{
    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b)
        {
            return "";
        }

        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double v = b;
        var u = 0;
        while (v >= 1024 && u < units.Length - 1)
        {
            v /= 1024;
            u++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{v:0.#} {units[u]}");
    }

    public static string Rate(double? bytesPerSecond) => bytesPerSecond is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r / 1e6:0.#} MB/s") : "";

    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "";

    public static string Duration(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is not { } f)
        {
            return "";
        }

        var d = (to ?? DateTimeOffset.UtcNow) - f;
        return d.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h{d.Minutes:00}m")
            : d.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m{d.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, d.TotalSeconds):0}s");
    }

    public static string Percent(double? p) => p is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0.#}") : "0";
}
