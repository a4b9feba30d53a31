using System.Net;

namespace Provisioner.Net;

/// <summary>
/// The limits of one <see cref="IDatagramChannel.SendSegmentsAsync"/> call: those of Linux UDP segmentation
/// offload (UDP_SEGMENT), where the whole run travels the stack as one IP packet before it is cut.
/// </summary>
public static class DatagramSegments
{
    /// <summary>At most this many payload bytes per run: 65535 less the IPv4 and UDP headers.</summary>
    public const int MaxPayload = 65535 - 20 - 8;

    /// <summary>At most this many datagrams per run (the kernel's UDP_MAX_SEGMENTS since 4.18; 6.x allows more).</summary>
    public const int MaxCount = 64;

    /// <summary>How many datagrams of <paramref name="segmentSize"/> bytes one run may carry (at least 1).</summary>
    public static int PerRun(int segmentSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentSize);
        return Math.Clamp(MaxPayload / segmentSize, 1, MaxCount);
    }

    /// <summary>Sends a run as separate datagrams through <see cref="IDatagramChannel.SendAsync"/>: the way
    /// without segmentation offload.</summary>
    public static async ValueTask SendOneByOneAsync(
        IDatagramChannel channel, IPEndPoint remote, ReadOnlyMemory<byte> payload, int segmentSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(segmentSize);
        for (var offset = 0; offset < payload.Length; offset += segmentSize)
        {
            await channel.SendAsync(remote, payload.Slice(offset, Math.Min(segmentSize, payload.Length - offset)), cancellationToken)
                .ConfigureAwait(false);
        }
    }
}
