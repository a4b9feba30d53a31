using System.Diagnostics;
using System.Text;
using System.Threading.Channels;

namespace Provisioner.TestKit.LiveImage;

/// <summary>
/// Turns a serial console byte stream into clean lines: escape sequences (CSI like <c>ESC[2J</c>, OVMF's <c>ESC[=3h</c>,
/// <c>ESC c</c>, charset selections), backspace spinners and carriage returns are dropped. Each line is stamped with the
/// arrival time of its FIRST printable byte (firmware prints "doing X..." and ends the line only when X is done).
/// <c>PROVISIONER-EVENT</c> lines are also parsed into <see cref="ConsoleEvent"/>s.
/// </summary>
public sealed class SerialLogFollower
{
    private readonly Stopwatch _clock;
    private readonly StringBuilder _line = new();
    private readonly List<(TimeSpan At, string Text)> _lines = [];
    private readonly List<ConsoleEvent> _events = [];
    private readonly Channel<ConsoleEvent> _eventChannel = Channel.CreateUnbounded<ConsoleEvent>();
    private readonly Lock _gate = new();
    private readonly TextWriter? _copy;
    private TimeSpan _lineStart;
    private EscapeState _state;

    /// <summary>Creates a follower; <paramref name="copy"/> receives every clean line with its time (a log file).</summary>
    public SerialLogFollower(Stopwatch? clock = null, TextWriter? copy = null)
    {
        _clock = clock ?? Stopwatch.StartNew();
        _copy = copy;
    }

    private enum EscapeState
    {
        None,
        Escape,
        Csi,
        Charset,
    }

    /// <summary>Clean lines so far, with their arrival times.</summary>
    public IReadOnlyList<(TimeSpan At, string Text)> Lines
    {
        get
        {
            lock (_gate)
            {
                return _lines.ToArray();
            }
        }
    }

    /// <summary>Events so far.</summary>
    public IReadOnlyList<ConsoleEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>Feeds raw bytes from the console.</summary>
    public void Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            Feed(b);
        }
    }

    /// <summary>Ends the stream: a partial last line is kept.</summary>
    public void Complete()
    {
        if (_line.Length > 0)
        {
            EndLine();
        }

        _eventChannel.Writer.TryComplete();
    }

    /// <summary>Waits for the next event named <paramref name="name"/> (including ones already seen and not yet awaited).</summary>
    public async Task<ConsoleEvent> WaitForAsync(string name, TimeSpan timeout, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            while (await _eventChannel.Reader.WaitToReadAsync(cts.Token).ConfigureAwait(false))
            {
                while (_eventChannel.Reader.TryRead(out var e))
                {
                    if (e.Name == name)
                    {
                        return e;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"No '{ConsoleEvent.Prefix} {name}' on the console within {timeout.TotalSeconds:0} s. Last lines:\n{Tail(40)}");
        }

        throw new InvalidOperationException($"The console ended before '{ConsoleEvent.Prefix} {name}'. Last lines:\n{Tail(40)}");
    }

    /// <summary>The last <paramref name="count"/> lines as text, for failure messages.</summary>
    public string Tail(int count)
    {
        lock (_gate)
        {
            var partial = _line.Length > 0 ? "\n" + _line : string.Empty;
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)).Select(l => $"[{l.At.TotalSeconds,7:0.00}] {l.Text}")) + partial;
        }
    }

    private void Feed(byte b)
    {
        switch (_state)
        {
            case EscapeState.Escape:
                // ESC [ starts a CSI sequence; ESC ( / ESC ) select a charset (one more byte); anything else (ESC c,
                // ESC 7, ESC =) is a two-byte sequence.
                _state = b switch
                {
                    (byte)'[' => EscapeState.Csi,
                    (byte)'(' or (byte)')' => EscapeState.Charset,
                    _ => EscapeState.None,
                };
                return;
            case EscapeState.Csi:
                // Parameters and intermediates are 0x20-0x3F; the final byte is 0x40-0x7E.
                if (b is >= 0x40 and <= 0x7E)
                {
                    _state = EscapeState.None;
                }

                return;
            case EscapeState.Charset:
                _state = EscapeState.None;
                return;
        }

        switch (b)
        {
            case 0x1B:
                _state = EscapeState.Escape;
                return;
            case (byte)'\n':
                EndLine();
                return;
            case (byte)'\b':
                if (_line.Length > 0)
                {
                    _line.Length--;
                }

                return;
            case (byte)'\r' or 0 or 0x07:
                return;
        }

        if (b < 0x20 && b != (byte)'\t')
        {
            return;
        }

        if (_line.Length == 0)
        {
            _lineStart = _clock.Elapsed;
        }

        if (_line.Length < 4096)
        {
            _line.Append(b < 0x80 ? (char)b : '?');
        }
    }

    private void EndLine()
    {
        var text = _line.ToString().TrimEnd();
        _line.Clear();
        if (text.Length == 0)
        {
            return;
        }

        var e = ConsoleEvent.TryParse(text, _lineStart);
        lock (_gate)
        {
            _lines.Add((_lineStart, text));
            if (e is not null)
            {
                _events.Add(e);
            }
        }

        _copy?.WriteLine($"[{_lineStart.TotalSeconds,7:0.00}] {text}");
        if (e is not null)
        {
            _eventChannel.Writer.TryWrite(e);
        }
    }
}
