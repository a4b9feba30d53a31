using System.Globalization;
using System.Net;

namespace Provisioner.TestKit.Tftp;

/// <summary>The outcome of one run of a real TFTP client.</summary>
public sealed record TftpClientResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Everything the client printed, for assertion messages.</summary>
    public string Output => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs the real TFTP clients of Debian inside a network namespace: tftp-hpa's <c>tftp</c> (RFC 1350 only,
/// 512-byte blocks), <c>atftp</c> (blksize, tsize, timeout, windowsize) and <c>curl</c> (blksize, tsize).
/// </summary>
public static class TftpClients
{
    /// <summary>tftp-hpa: <c>tftp -m mode server port -c get remote local</c>.</summary>
    public static async Task<TftpClientResult> TftpHpaGetAsync(string netns, IPAddress server, int port, string remote, string local,
        string mode = "binary", TimeSpan? timeout = null)
    {
        var program = Peers.Require("tftp", "tftp-hpa");
        string[] args = ["-m", mode, server.ToString(), port.ToString(CultureInfo.InvariantCulture), "-c", "get", remote, local];
        var (rc, o, e) = await PeerProcess.RunAsync(program, args, timeout ?? TimeSpan.FromSeconds(60), netns);
        return new TftpClientResult(rc, o, e);
    }

    /// <summary>atftp: <c>atftp --get -r remote -l local [--option "name value"]... server port</c>.</summary>
    public static async Task<TftpClientResult> AtftpGetAsync(string netns, IPAddress server, int port, string remote, string local,
        IEnumerable<(string Name, string Value)>? options = null, string? mode = null, TimeSpan? timeout = null)
    {
        var program = Peers.Require("atftp");
        var args = new List<string> { "--get", "-r", remote, "-l", local };
        foreach (var (name, value) in options ?? [])
        {
            args.Add("--option");
            args.Add($"{name} {value}");
        }

        if (mode is not null)
        {
            args.Add("--option");
            args.Add($"mode {mode}");
        }

        args.Add(server.ToString());
        args.Add(port.ToString(CultureInfo.InvariantCulture));
        var (rc, o, e) = await PeerProcess.RunAsync(program, args, timeout ?? TimeSpan.FromSeconds(60), netns);
        return new TftpClientResult(rc, o, e);
    }

    /// <summary>curl: <c>curl -sS -o local [--tftp-blksize n] [--tftp-no-options] tftp://server:port/remote</c>.</summary>
    public static async Task<TftpClientResult> CurlGetAsync(string netns, IPAddress server, int port, string remote, string local,
        int? blockSize = null, bool noOptions = false, TimeSpan? timeout = null)
    {
        var program = Peers.Require("curl");
        var args = new List<string> { "-sS", "--max-time", "120", "-o", local };
        if (blockSize is { } bs)
        {
            args.Add("--tftp-blksize");
            args.Add(bs.ToString(CultureInfo.InvariantCulture));
        }

        if (noOptions)
        {
            args.Add("--tftp-no-options");
        }

        args.Add($"tftp://{server}:{port}/{remote}");
        var (rc, o, e) = await PeerProcess.RunAsync(program, args, timeout ?? TimeSpan.FromSeconds(120), netns);
        return new TftpClientResult(rc, o, e);
    }
}
