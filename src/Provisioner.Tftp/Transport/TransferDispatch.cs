namespace Provisioner.Tftp.Transport;

/// <summary>
/// Chooses how a transfer socket's continuations run, from measurements (docs/benchmarks/tftp.md):
/// <list type="bullet">
/// <item>A windowed transfer on a machine with idle cores runs inline on the socket engine's thread: each ACK is
/// answered without a hand-off, 10-25 % faster than through the thread pool, with half the CPU.</item>
/// <item>A lock-step transfer goes through the thread pool: a worker that has just sent a block spins briefly before
/// sleeping and picks up the next ACK without a wake-up, which halves the round trip when wake-ups are slow
/// (virtual machines, deep C-states).</item>
/// <item>When transfers outnumber the cores, every new one goes through the thread pool: inline work would all
/// run on the engine's one thread, while the pool spreads it over every core (50 lock-step clients: 11 % sooner).</item>
/// </list>
/// </summary>
public static class TransferDispatch
{
    /// <summary>True when <paramref name="request"/>'s socket should run its continuations inline.</summary>
    public static bool PreferInline(TransferChannelRequest request) =>
        request.WindowSize > 1 && request.ActiveTransfers < Environment.ProcessorCount;
}
