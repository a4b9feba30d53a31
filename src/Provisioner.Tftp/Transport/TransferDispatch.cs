namespace Provisioner.Tftp.Transport;

/// <summary>
/// Chooses how a transfer socket's continuations run, from measurements (docs/benchmarks/tftp.md):
/// <list type="bullet">
/// <item>Windowed transfers, and any transfer when they outnumber the cores, run inline on the socket engine's
/// thread: each ACK is answered without a hand-off (less CPU, faster at every windowsize above 1 and with 50
/// or 200 lock-step clients).</item>
/// <item>A lock-step transfer on a machine with idle cores goes through the thread pool: a worker that has just
/// sent a block spins briefly before sleeping and picks up the next ACK without a wake-up, which halves the
/// round trip when wake-ups are slow (virtual machines, deep C-states), at the price of that spinning.</item>
/// </list>
/// </summary>
public static class TransferDispatch
{
    /// <summary>True when <paramref name="request"/>'s socket should run its continuations inline.</summary>
    public static bool PreferInline(TransferChannelRequest request) =>
        request.WindowSize > 1 || request.ActiveTransfers >= Environment.ProcessorCount;
}
