using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Network;

/// <summary>
/// Listens briefly on one interface for an LLDP frame with an AF_PACKET socket bound to the LLDP EtherType and joined
/// to the nearest-bridge group address (NICs drop that multicast otherwise). Optional: any failure just means no neighbour.
/// </summary>
public static partial class LldpListener
{
    private const int SolPacket = 263;
    private const int PacketAddMembership = 1;
    private const ushort PacketMrMulticast = 0;

    /// <summary>Returns the first neighbour seen within <paramref name="wait"/>, or null.</summary>
    public static async Task<LldpNeighbor?> ListenAsync(string interfaceName, TimeSpan wait, ILogger logger, CancellationToken ct)
    {
        try
        {
            var ifindex = int.Parse(File.ReadAllText($"/sys/class/net/{interfaceName}/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);
            using var socket = new Socket(AddressFamily.Packet, SocketType.Raw, (ProtocolType)BinaryPrimitives.ReverseEndianness(LldpParser.EtherType));
            socket.Bind(new LinkLayerEndPoint(ifindex, LldpParser.EtherType));
            // struct packet_mreq { int mr_ifindex; unsigned short mr_type, mr_alen; unsigned char mr_address[8]; }
            var mreq = new byte[16];
            BinaryPrimitives.WriteInt32LittleEndian(mreq, ifindex);
            BinaryPrimitives.WriteUInt16LittleEndian(mreq.AsSpan(4), PacketMrMulticast);
            BinaryPrimitives.WriteUInt16LittleEndian(mreq.AsSpan(6), 6);
            LldpParser.NearestBridge.CopyTo(mreq.AsSpan(8));
            socket.SetRawSocketOption(SolPacket, PacketAddMembership, mreq);

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(wait);
            var buffer = new byte[9216];
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                var neighbour = LldpParser.Parse(buffer.AsSpan(0, n), interfaceName);
                if (neighbour is not null)
                {
                    Log.Neighbour(logger, interfaceName, neighbour.ChassisId, neighbour.PortId);
                    return neighbour;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (e is SocketException or IOException or FormatException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            Log.Unavailable(logger, interfaceName, e.Message);
            return null;
        }
    }

    /// <summary>struct sockaddr_ll (packet(7)) for bind: family, protocol (network order), ifindex.</summary>
    private sealed class LinkLayerEndPoint(int ifindex, ushort protocol) : EndPoint
    {
        public override AddressFamily AddressFamily => AddressFamily.Packet;

        public override SocketAddress Serialize()
        {
            var sa = new SocketAddress(AddressFamily.Packet, 20);
            var bytes = sa.Buffer.Span;
            BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], protocol);
            BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], ifindex);
            return sa;
        }

        public override EndPoint Create(SocketAddress socketAddress) => this;
    }

    private static partial class Log
    {
        [LoggerMessage(8111, LogLevel.Information, "lldp: {Interface} is connected to chassis {ChassisId} port {PortId}")]
        public static partial void Neighbour(ILogger logger, string @interface, string chassisId, string portId);

        [LoggerMessage(8112, LogLevel.Debug, "lldp: cannot listen on {Interface}: {Message}")]
        public static partial void Unavailable(ILogger logger, string @interface, string message);
    }
}
