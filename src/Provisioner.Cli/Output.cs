using System.Globalization;
using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>Prints API results: raw JSON with --output json, else an aligned table or key/value list.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Json(TextWriter w, JsonElement value) => w.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>A table of <paramref name="rows"/> (a JSON array, or a page object with "items").</summary>
    public static void Table(TextWriter w, JsonElement rows, params string[] columns)
    {
        var items = rows.ValueKind == JsonValueKind.Object && rows.TryGetProperty("items", out var list) ? list : rows;
        var data = items.EnumerateArray().Select(r => columns.Select(c => Cell(r, c)).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, data.Count == 0 ? 0 : data.Max(r => r[i].Length))).ToArray();
        w.WriteLine(string.Join("  ", columns.Select((c, i) => Header(c).PadRight(widths[i]))).TrimEnd());
        foreach (var row in data)
        {
            w.WriteLine(string.Join("  ", row.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
        }

        if (rows.ValueKind == JsonValueKind.Object && rows.TryGetProperty("total", out var total) && total.GetInt64() > data.Count)
        {
            w.WriteLine($"({data.Count} of {total.GetInt64()}; use --offset/--limit for more)");
        }
    }

    public static void Fields(TextWriter w, JsonElement obj, params string[] fields)
    {
        var width = fields.Max(f => Header(f).Length);
        foreach (var f in fields)
        {
            w.WriteLine($"{Header(f).PadRight(width)}  {Cell(obj, f)}");
        }
    }

    public static string Cell(JsonElement row, string path)
    {
        var e = row;
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
            {
                return "";
            }
        }

        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString()!,
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            JsonValueKind.Array => string.Join(",", e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString() : x.ToString())),
            JsonValueKind.Number when e.TryGetDouble(out var d) => d.ToString(CultureInfo.InvariantCulture),
            _ => e.ToString(),
        };
    }

    private static string Header(string path) => path.Split('.')[^1].ToUpperInvariant();
}
