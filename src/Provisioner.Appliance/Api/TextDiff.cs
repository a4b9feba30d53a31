using System.Text;

namespace Provisioner.Appliance.Api;

/// <summary>One line of a diff: " " unchanged, "-" only in the old text, "+" only in the new.</summary>
public sealed record DiffLine(string Op, int? OldLine, int? NewLine, string Text);

/// <summary>
/// Line diff by longest common subsequence (templates are small: a few hundred lines), rendered as a unified diff with
/// three lines of context like <c>diff -u</c>.
/// </summary>
public static class TextDiff
{
    /// <summary>Inputs longer than this (lines) are compared as whole blocks to bound the O(n·m) table.</summary>
    private const int MaxLines = 5000;

    public static IReadOnlyList<DiffLine> Lines(string oldText, string newText)
    {
        var a = Split(oldText);
        var b = Split(newText);
        if ((long)a.Length * b.Length > (long)MaxLines * MaxLines / 4)
        {
            return [.. a.Select((t, i) => new DiffLine("-", i + 1, null, t)), .. b.Select((t, i) => new DiffLine("+", null, i + 1, t))];
        }

        // lcs[i, j] = length of the LCS of a[i..] and b[j..]
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
            }
        }

        var result = new List<DiffLine>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y])
            {
                result.Add(new DiffLine(" ", x + 1, y + 1, a[x]));
                x++;
                y++;
            }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1]))
            {
                // Removals before insertions, as diff -u prints them.
                result.Add(new DiffLine("-", x + 1, null, a[x]));
                x++;
            }
            else
            {
                result.Add(new DiffLine("+", null, y + 1, b[y]));
                y++;
            }
        }

        return result;
    }

    public static string Unified(IReadOnlyList<DiffLine> lines, string oldLabel, string newLabel, int context = 3)
    {
        var sb = new StringBuilder();
        sb.Append("--- ").AppendLine(oldLabel).Append("+++ ").AppendLine(newLabel);
        var changed = lines.Select((l, i) => (l, i)).Where(p => p.l.Op != " ").Select(p => p.i).ToList();
        var k = 0;
        while (k < changed.Count)
        {
            var start = Math.Max(0, changed[k] - context);
            var end = Math.Min(lines.Count - 1, changed[k] + context);
            while (k + 1 < changed.Count && changed[k + 1] - context <= end + 1)
            {
                k++;
                end = Math.Min(lines.Count - 1, changed[k] + context);
            }

            var hunk = lines.Skip(start).Take(end - start + 1).ToList();
            var oldStart = hunk.FirstOrDefault(l => l.OldLine is not null)?.OldLine ?? 0;
            var newStart = hunk.FirstOrDefault(l => l.NewLine is not null)?.NewLine ?? 0;
            sb.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"@@ -{oldStart},{hunk.Count(l => l.Op != "+")} +{newStart},{hunk.Count(l => l.Op != "-")} @@").AppendLine();
            foreach (var l in hunk)
            {
                sb.Append(l.Op).AppendLine(l.Text);
            }

            k++;
        }

        return sb.ToString();
    }

    private static string[] Split(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
}
