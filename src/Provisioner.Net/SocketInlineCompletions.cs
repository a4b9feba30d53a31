using System.Net.Sockets;
using System.Reflection;

namespace Provisioner.Net;

/// <summary>
/// Opts one socket into inline completions: on Linux its async continuations run on the socket engine's epoll
/// thread instead of hopping to the thread pool. A lock-step or windowed UDP protocol (TFTP) then answers each
/// packet without a thread wake-up, which is most of its per-packet cost.
/// </summary>
/// <remarks>
/// .NET offers this process-wide (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1), but that would also run
/// Kestrel's, Npgsql's and HttpClient's continuations (and the job code behind them, which may block) on the
/// epoll thread. Per socket, the runtime only has an internal setter (Socket.PreferInlineCompletions, present
/// in .NET 6 to 10), reached here by reflection. Only sockets whose continuations never block may use it.
/// When the runtime lacks the setter, nothing changes and <see cref="TryEnable"/> returns false.
/// </remarks>
public static class SocketInlineCompletions
{
    // Looked up once; a delegate, so opening a transfer does not pay for a reflection call.
    private static readonly Action<Socket, bool>? Setter = typeof(Socket)
        .GetProperty("PreferInlineCompletions", BindingFlags.Instance | BindingFlags.NonPublic)?.SetMethod?.CreateDelegate<Action<Socket, bool>>();

    /// <summary>Whether this runtime lets a single socket opt in.</summary>
    public static bool IsSupported => Setter is not null && !OperatingSystem.IsWindows();

    /// <summary>Asks for inline completions on <paramref name="socket"/>, before its first async operation.
    /// Returns false when the runtime cannot (the socket keeps the thread-pool dispatch).</summary>
    public static bool TryEnable(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!IsSupported)
        {
            return false;
        }

        Setter!(socket, true);
        return true;
    }
}
