using System.Text;
using System.Text.RegularExpressions;

namespace Provisioner.TestKit.VirtualRack;

/// <summary>
/// Follows a machine's serial console file and turns it into clean lines: escape sequences and the iPXE spinner
/// stripped, each line stamped with the arrival of its first printable byte (firmware prints "doing X..." and ends
/// the line only when X is done). Lines starting with PROVISIONER- are the machine-readable markers.
/// </summary>
public sealed partial class SerialConsole : IAsyncDisposable
{
    private readonly string _path;
    private readonly List<(DateTimeOffset At, string Text)> _lines = [];
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _follower;
    private readonly StringBuilder _current = new();
    private DateTimeOffset? _currentStart;

    public SerialConsole(string path)
    {
        _path = path;
        _follower = Task.Run(FollowAsync);
    }

    /// <summary>Every complete line so far.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Text)> Lines { get { lock (_gate) { return _lines.ToArray(); } } }

    /// <summary>The whole console as text (for failure messages).</summary>
    public string Text { get { lock (_gate) { return string.Join('\n', _lines.Select(l => l.Text)) + "\n" + _current; } } }

    /// <summary>The last <paramref name="count"/> lines, for error messages.</summary>
    public string Tail(int count = 40) { lock (_gate) { return string.Join('\n', _lines.TakeLast(count).Select(l => l.Text)) + "\n" + _current; } }

    /// <summary>Waits for a line matching <paramref name="pattern"/> that arrived at index &gt;= <paramref name="fromLine"/>.</summary>
    public async Task<(int Index, string Text)> WaitForLineAsync(string pattern, TimeSpan timeout, int fromLine = 0, Func<bool>? abort = null)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            lock (_gate)
            {
                for (var i = fromLine; i < _lines.Count; i++)
                {
                    if (regex.IsMatch(_lines[i].Text))
                    {
                        return (i, _lines[i].Text);
                    }
                }
            }

            if (DateTime.UtcNow > deadline || (abort?.Invoke() ?? false))
            {
                throw new TimeoutException($"No console line matching /{pattern}/ within {timeout.TotalSeconds:0} s. Console tail:\n{Tail()}");
            }

            await Task.Delay(100);
        }
    }

    public int LineCount { get { lock (_gate) { return _lines.Count; } } }

    private async Task FollowAsync()
    {
        var buffer = new byte[8192];
        FileStream? fs = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (fs is null)
                {
                    if (!File.Exists(_path))
                    {
                        await Task.Delay(100, _stop.Token);
                        continue;
                    }

                    fs = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                }

                var n = await fs.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    await Task.Delay(100, _stop.Token);
                    continue;
                }

                Feed(Encoding.Latin1.GetString(buffer, 0, n));
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            if (fs is not null)
            {
                await fs.DisposeAsync();
            }
        }
    }

    private void Feed(string chunk)
    {
        var clean = EscapeSequence().Replace(chunk, string.Empty);
        lock (_gate)
        {
            foreach (var c in clean)
            {
                if (c == '\n')
                {
                    var text = _current.ToString().TrimEnd('\r');
                    // iPXE's spinner backspaces over itself; keep the last text written on the line.
                    var cr = text.LastIndexOf('\r');
                    if (cr >= 0 && cr < text.Length - 1)
                    {
                        text = text[(cr + 1)..];
                    }

                    _lines.Add((_currentStart ?? DateTimeOffset.UtcNow, text.Replace("\b", string.Empty, StringComparison.Ordinal)));
                    _current.Clear();
                    _currentStart = null;
                }
                else if (c == '\b')
                {
                    if (_current.Length > 0)
                    {
                        _current.Length--;
                    }
                }
                else if (c >= ' ' || c == '\r' || c == '\t')
                {
                    if (_currentStart is null && c > ' ')
                    {
                        _currentStart = DateTimeOffset.UtcNow;
                    }

                    _current.Append(c);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _follower;
        _stop.Dispose();
    }

    // CSI sequences (ESC [ ... letter), ESC c (reset), OVMF's ESC [ = 3 h, charset selects.
    [GeneratedRegex(@"\x1b(\[[0-9;=?]*[A-Za-z]|[()][0-9A-Za-z]|[cDEHM78=>])")]
    private static partial Regex EscapeSequence();
}
