using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Provisioner.Agent.Diagnostics;

/// <summary>
/// The agent's only logger: one line per message on the console (the serial port), also kept in the <see cref="LogTail"/>.
/// The live image has no logging framework beyond the abstractions, so this is deliberately small.
/// </summary>
public sealed class AgentLogger(TextWriter output, LogTail tail, Func<double> uptimeSeconds, LogLevel minimum = LogLevel.Information) : ILogger
{
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var level = logLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
        var message = formatter(state, exception);
        if (exception is not null && logLevel >= LogLevel.Warning)
        {
            message += ": " + exception.Message;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"[{uptimeSeconds(),9:0.000}] agent {level}: {message}");
        tail.Add(line);
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }
}
