namespace Provisioner.Agent.Diagnostics;

/// <summary>The last lines of agent and tool output, sent with every task result and failure.</summary>
public sealed class LogTail(int capacity = 200)
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _gate = new();
    private readonly List<string> _unsent = [];

    /// <summary>Adds a line (long lines are cut at 1000 characters).</summary>
    public void Add(string line)
    {
        if (line.Length > 1000)
        {
            line = line[..1000] + "…";
        }

        lock (_gate)
        {
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }

            if (_unsent.Count < capacity)
            {
                _unsent.Add(line);
            }
        }
    }

    /// <summary>The last <paramref name="count"/> lines.</summary>
    public IReadOnlyList<string> Last(int count = 30)
    {
        lock (_gate)
        {
            return _lines.Skip(Math.Max(0, _lines.Count - count)).ToArray();
        }
    }

    /// <summary>Lines added since the previous call (for the log route).</summary>
    public IReadOnlyList<string> TakeUnsent()
    {
        lock (_gate)
        {
            var copy = _unsent.ToArray();
            _unsent.Clear();
            return copy;
        }
    }
}
