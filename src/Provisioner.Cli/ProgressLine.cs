using System.Globalization;

namespace Provisioner.Cli;

/// <summary>A progress bar on stderr: redrawn in place on a terminal, one line per update otherwise (logs, pipes).</summary>
public sealed class ProgressLine(CliContext context)
{
    private const int Width = 30;
    private bool _open;

    public void Draw(double percent, string label)
    {
        var filled = (int)Math.Round(Math.Clamp(percent, 0, 100) / 100 * Width);
        var text = string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', Width - filled)}] {percent,5:0.0}% {label}");
        if (context.Interactive)
        {
            context.Error.Write("\r" + text.PadRight(100)[..Math.Max(100, text.Length)]);
            _open = true;
        }
        else
        {
            context.Error.WriteLine(text);
        }
    }

    /// <summary>Ends a bar drawn in place, so what follows starts on its own line.</summary>
    public void End()
    {
        if (_open)
        {
            context.Error.WriteLine();
            _open = false;
        }
    }
}
