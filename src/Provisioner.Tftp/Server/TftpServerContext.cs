using System.Net;
using Microsoft.Extensions.Logging;

namespace Provisioner.Tftp.Server;

/// <summary>What the listener and its transfers share.</summary>
internal sealed class TftpServerContext(TftpServerOptions options, TimeProvider time, ILogger logger)
{
    private readonly TftpDropLogLimiter _dropLog = new(time);

    public TftpServerOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    public TftpCounters Counters { get; } = new();

    /// <summary>Counts a dropped datagram and logs it, at most once a minute per reason.</summary>
    public void Drop(TftpDropReason reason, IPEndPoint from, int length, string? detail)
    {
        Counters.Drop(reason);
        if (Logger.IsEnabled(LogLevel.Debug) && _dropLog.ShouldLog(reason))
        {
            TftpLog.Dropped(Logger, from, length, reason, detail);
        }
    }
}
