using System.Net;
using Microsoft.Extensions.Logging;

namespace Provisioner.Tftp.Server;

/// <summary>TFTP log messages, event ids 2000-2099.</summary>
internal static partial class TftpLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "TFTP server listening on {LocalEndPoint}")]
    public static partial void Listening(ILogger logger, IPEndPoint localEndPoint);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "TFTP server stopped; {Active} transfers were still running")]
    public static partial void Stopped(ILogger logger, int active);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug, Message = "TFTP {Client} {Path}: {Size} bytes, blksize {BlockSize}, windowsize {WindowSize}")]
    public static partial void TransferStarted(ILogger logger, IPEndPoint client, string path, long size, int blockSize, int windowSize);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "TFTP {Client} {FileName}: {Outcome}, {Bytes} bytes in {DurationMs} ms, {Retransmissions} retransmissions {Detail}")]
    public static partial void TransferEnded(ILogger logger, IPEndPoint client, string fileName, TftpTransferOutcome outcome, long bytes, long durationMs, long retransmissions, string? detail);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug, Message = "TFTP dropped a datagram from {Client} ({Length} bytes): {Reason}; {Detail}")]
    public static partial void Dropped(ILogger logger, IPEndPoint client, int length, TftpDropReason reason, string? detail);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "TFTP socket error ({Tier}) on {LocalEndPoint}")]
    public static partial void SocketError(ILogger logger, Exception exception, Provisioner.Net.SocketErrorTier tier, IPEndPoint localEndPoint);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Critical, Message = "TFTP listener on {LocalEndPoint} cannot go on")]
    public static partial void ListenerFailed(ILogger logger, Exception exception, IPEndPoint localEndPoint);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "TFTP {Client} {Path}: the file source failed")]
    public static partial void SourceFailed(ILogger logger, Exception exception, IPEndPoint client, string path);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Error, Message = "TFTP {Client} {Path}: the transfer failed")]
    public static partial void TransferFailed(ILogger logger, Exception exception, IPEndPoint client, string path);
}

/// <summary>Lets through at most one log line per drop reason per minute; the counters keep the full picture.</summary>
internal sealed class TftpDropLogLimiter(TimeProvider time)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMinutes(1);
    private readonly long[] _last = Enumerable.Repeat(long.MinValue, Enum.GetValues<TftpDropReason>().Length).ToArray();

    public bool ShouldLog(TftpDropReason reason)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _last[(int)reason]);
        if (last != long.MinValue && time.GetElapsedTime(last, now) < s_interval)
        {
            return false;
        }

        return Interlocked.CompareExchange(ref _last[(int)reason], now, last) == last;
    }
}
