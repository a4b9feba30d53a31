using System.Net;
using Microsoft.Extensions.Logging;

namespace Provisioner.Dhcp;

public sealed partial class DhcpServer
{
    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Information, "DHCP server started in {Mode} mode on {Channels} channel(s) with {Leases} stored lease(s)")]
        public static partial void Started(ILogger logger, DhcpServerMode mode, int channels, int leases);

        [LoggerMessage(1001, LogLevel.Information, "DHCP server stopped")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(1002, LogLevel.Warning, "DHCP packets dropped: {Reason} ({Count} since the last report); last from {Remote} on {Interface}: {Detail}")]
        public static partial void Dropped(ILogger logger, DhcpDropReason reason, long count, IPEndPoint remote, string? @interface, string detail);

        [LoggerMessage(1003, LogLevel.Debug, "DHCP receive error on {Interface}: {Tier}")]
        public static partial void ReceiveError(ILogger logger, string? @interface, Provisioner.Net.SocketErrorTier tier, Exception exception);

        [LoggerMessage(1004, LogLevel.Critical, "DHCP receive loop on {Interface} stopped by a fatal socket error")]
        public static partial void ReceiveFatal(ILogger logger, string? @interface, Exception exception);

        [LoggerMessage(1005, LogLevel.Error, "DHCP lease commit failed; {Count} ACK(s) withheld")]
        public static partial void CommitFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(1006, LogLevel.Debug, "DHCP send to {Remote} failed")]
        public static partial void SendFailed(ILogger logger, IPEndPoint remote, Exception exception);

        [LoggerMessage(1007, LogLevel.Debug, "DHCP {Received} from {Mac} xid {Xid:x8}: {Replied} {Address} boot {BootFile} ({Reason})")]
        public static partial void Exchange(ILogger logger, Protocol.DhcpMessageType received, string mac, uint xid, Protocol.DhcpMessageType replied, IPAddress? address, string? bootFile, string? reason);

        [LoggerMessage(1008, LogLevel.Error, "DHCP request handling failed for a packet from {Remote}")]
        public static partial void HandlerFailed(ILogger logger, IPEndPoint remote, Exception exception);
    }
}
