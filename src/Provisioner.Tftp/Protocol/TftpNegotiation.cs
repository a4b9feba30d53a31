using System.Globalization;

namespace Provisioner.Tftp.Protocol;

/// <summary>The parameters a transfer runs with after option negotiation.</summary>
/// <param name="BlockSize">Payload bytes per DATA packet (512 unless negotiated).</param>
/// <param name="WindowSize">DATA packets sent before waiting for an ACK (1 unless negotiated).</param>
/// <param name="Timeout">Retransmission timeout.</param>
/// <param name="Acknowledged">Options echoed in the OACK; empty means no OACK, data starts at once.</param>
public sealed record TftpNegotiatedOptions(int BlockSize, int WindowSize, TimeSpan Timeout, IReadOnlyList<TftpOption> Acknowledged);

/// <summary>The outcome of negotiation: the options, or the reason the request is refused with error 8.</summary>
public readonly record struct TftpNegotiationResult(TftpNegotiatedOptions? Options, string? RefusedReason);

/// <summary>Option negotiation of RFC 2347 for blksize (RFC 2348), timeout and tsize (RFC 2349), windowsize (RFC 7440).</summary>
public static class TftpNegotiation
{
    /// <summary>Default block size of RFC 1350.</summary>
    public const int DefaultBlockSize = 512;

    /// <summary>Smallest and largest blksize values (RFC 2348).</summary>
    public const int MinBlockSize = 8, MaxBlockSize = 65464;

    /// <summary>
    /// Negotiates the options of <paramref name="request"/>. Unknown options are ignored (RFC 2347).
    /// Known options with values outside their RFC range are refused: error 8 tells the client plainly
    /// why, which beats silently running a transfer it did not ask for.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="options">Server limits.</param>
    /// <param name="transferSize">Bytes the transfer will send (for tsize), null if unknown.</param>
    /// <param name="blockSizeCap">Largest block the path allows (interface MTU - 32), null if unknown.</param>
    public static TftpNegotiationResult Negotiate(TftpRequest request, TftpServerOptions options, long? transferSize, int? blockSizeCap)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        var blockSize = DefaultBlockSize;
        var windowSize = 1;
        var timeout = options.Timeout;
        var acked = new List<TftpOption>(4);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (var (name, value) in request.Options)
        {
            if (!seen.Add(name))
            {
                continue; // the first occurrence wins
            }

            switch (name)
            {
                case "blksize":
                    // RFC 2348: 8..65464. A larger request may be answered with a smaller value.
                    if (!TryParse(value, out var bs) || bs < MinBlockSize)
                    {
                        return Refuse($"blksize {value} is not in 8..65464");
                    }

                    var max = Math.Min(options.MaxBlockSize, blockSizeCap ?? int.MaxValue);
                    blockSize = (int)Math.Max(MinBlockSize, Math.Min(bs, max));
                    acked.Add(new TftpOption(name, blockSize.ToString(CultureInfo.InvariantCulture)));
                    break;
                case "timeout":
                    // RFC 2349: 1..255 seconds, echoed as sent.
                    if (!TryParse(value, out var t) || t is < 1 or > 255)
                    {
                        return Refuse($"timeout {value} is not in 1..255");
                    }

                    if (TimeSpan.FromSeconds(t) > options.MaxNegotiatedTimeout)
                    {
                        break; // not acknowledged: the server's own timeout applies
                    }

                    timeout = TimeSpan.FromSeconds(t);
                    acked.Add(new TftpOption(name, t.ToString(CultureInfo.InvariantCulture)));
                    break;
                case "tsize":
                    // RFC 2349: the client sends 0 in an RRQ; the server answers with the size. When the size
                    // is not known up front (never the case here) the option is left out.
                    if (!TryParse(value, out _))
                    {
                        return Refuse($"tsize {value} is not a number");
                    }

                    if (transferSize is { } size)
                    {
                        acked.Add(new TftpOption(name, size.ToString(CultureInfo.InvariantCulture)));
                    }

                    break;
                case "windowsize":
                    // RFC 7440: 1..65535; the server may answer with a smaller value.
                    if (!TryParse(value, out var ws) || ws is < 1 or > 65535)
                    {
                        return Refuse($"windowsize {value} is not in 1..65535");
                    }

                    windowSize = (int)Math.Min(ws, options.MaxWindowSize);
                    acked.Add(new TftpOption(name, windowSize.ToString(CultureInfo.InvariantCulture)));
                    break;
                default:
                    break; // RFC 2347: unknown options are ignored
            }
        }

        return new TftpNegotiationResult(new TftpNegotiatedOptions(blockSize, windowSize, timeout, acked), null);
    }

    private static TftpNegotiationResult Refuse(string reason) => new(null, reason);

    // Decimal ASCII digits only: no sign, no spaces, no exponent; bounded so "99999999999999999999" is refused, not wrapped.
    private static bool TryParse(string value, out long result)
    {
        result = 0;
        if (value.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            result = (result * 10) + (c - '0');
        }

        return true;
    }
}
