using System.Globalization;
using System.Text;

namespace Provisioner.Templates.Authoring;

/// <summary>A line diff in unified format (as <c>diff -u</c>), from a longest-common-subsequence edit script
/// (Myers, "An O(ND) Difference Algorithm and Its Variations", 1986: the greedy forward search with a trace).</summary>
public static class LineDiff
{
    private enum Op
    {
        Keep,
        Delete,
        Insert,
    }

    public static string Unified(string oldText, string newText, string oldLabel, string newLabel, int context = 3)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        var script = EditScript(a, b);
        if (script.All(s => s.Op == Op.Keep))
        {
            return string.Empty;
        }

        var sb = new StringBuilder();
        sb.Append("--- ").Append(oldLabel).Append('\n').Append("+++ ").Append(newLabel).Append('\n');
        var i = 0;
        while (i < script.Count)
        {
            // Find the next change and the hunk around it (changes closer than 2*context merge into one hunk).
            var firstChange = script.FindIndex(i, s => s.Op != Op.Keep);
            if (firstChange < 0)
            {
                break;
            }

            var start = Math.Max(i, firstChange - context);
            var end = firstChange;
            var lastChange = firstChange;
            while (end < script.Count)
            {
                if (script[end].Op != Op.Keep)
                {
                    lastChange = end;
                }
                else if (end - lastChange > 2 * context)
                {
                    break;
                }

                end++;
            }

            end = Math.Min(script.Count, lastChange + context + 1);
            var hunk = script.GetRange(start, end - start);
            var oldStart = script.Take(start).Count(s => s.Op != Op.Insert) + 1;
            var newStart = script.Take(start).Count(s => s.Op != Op.Delete) + 1;
            var oldCount = hunk.Count(s => s.Op != Op.Insert);
            var newCount = hunk.Count(s => s.Op != Op.Delete);
            sb.Append(CultureInfo.InvariantCulture, $"@@ -{Range(oldStart, oldCount)} +{Range(newStart, newCount)} @@\n");
            foreach (var (op, line) in hunk)
            {
                sb.Append(op switch { Op.Keep => ' ', Op.Delete => '-', _ => '+' }).Append(line).Append('\n');
            }

            i = end;
        }

        return sb.ToString();
    }

    private static string Range(int start, int count) =>
        count == 1 ? start.ToString(CultureInfo.InvariantCulture)
            : string.Create(CultureInfo.InvariantCulture, $"{(count == 0 ? start - 1 : start)},{count}");

    private static string[] SplitLines(string text)
    {
        var normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        if (normalized.Length == 0)
        {
            return [];
        }

        var lines = normalized.Split('\n');
        return normalized.EndsWith('\n') ? lines[..^1] : lines;
    }

    private static List<(Op Op, string Line)> EditScript(string[] a, string[] b)
    {
        var n = a.Length;
        var m = b.Length;
        var max = n + m;
        var v = new int[2 * max + 2];
        var trace = new List<int[]>();
        for (var d = 0; d <= max; d++)
        {
            trace.Add((int[])v.Clone());
            for (var k = -d; k <= d; k += 2)
            {
                var x = k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) ? v[max + k + 1] : v[max + k - 1] + 1;
                var y = x - k;
                while (x < n && y < m && a[x] == b[y])
                {
                    x++;
                    y++;
                }

                v[max + k] = x;
                if (x >= n && y >= m)
                {
                    return Backtrack(trace, a, b, max);
                }
            }
        }

        throw new InvalidOperationException("unreachable: the edit script is at most n + m long");
    }

    private static List<(Op, string)> Backtrack(List<int[]> trace, string[] a, string[] b, int max)
    {
        var result = new List<(Op, string)>();
        var x = a.Length;
        var y = b.Length;
        for (var d = trace.Count - 1; d >= 0; d--)
        {
            var v = trace[d];
            var k = x - y;
            var prevK = k == -d || (k != d && v[max + k - 1] < v[max + k + 1]) ? k + 1 : k - 1;
            var prevX = d == 0 ? 0 : v[max + prevK];
            var prevY = prevX - prevK;
            while (x > prevX && y > prevY)
            {
                result.Add((Op.Keep, a[--x]));
                y--;
            }

            if (d > 0)
            {
                if (x == prevX)
                {
                    result.Add((Op.Insert, b[--y]));
                }
                else
                {
                    result.Add((Op.Delete, a[--x]));
                }
            }
        }

        result.Reverse();
        return result;
    }
}
