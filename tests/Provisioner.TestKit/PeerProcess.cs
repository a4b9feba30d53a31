using System.Diagnostics;
using System.Text;

namespace Provisioner.TestKit;

/// <summary>
/// A program a test started. It is stopped by its own PID (never by name) when disposed,
/// and its output is kept for assertions and failure messages.
/// </summary>
public sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _gate = new();

    private PeerProcess(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Stdout { get { lock (_gate) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_gate) { return _stderr.ToString(); } } }

    /// <summary>Starts <paramref name="program"/> with <paramref name="args"/>, inside <paramref name="netns"/> when given.</summary>
    public static PeerProcess Start(string program, IEnumerable<string> args, string? netns = null, string? workingDirectory = null,
        IDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        if (netns is not null)
        {
            psi.FileName = Peers.Require("ip", "iproute2");
            psi.ArgumentList.Add("netns");
            psi.ArgumentList.Add("exec");
            psi.ArgumentList.Add(netns);
            psi.ArgumentList.Add(program);
        }
        else
        {
            psi.FileName = program;
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var p = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var peer = new PeerProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (peer._gate) { peer._stdout.AppendLine(e.Data); } } };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (peer._gate) { peer._stderr.AppendLine(e.Data); } } };
        p.Start();
        p.StandardInput.Close();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Runs a program to completion with a time limit; throws with its output when it exceeds the limit.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> args,
        TimeSpan timeout, string? netns = null, string? workingDirectory = null)
    {
        await using var p = Start(program, args, netns, workingDirectory);
        var exited = await p.WaitForExitAsync(timeout);
        if (!exited)
        {
            throw new TimeoutException($"'{program} {string.Join(' ', args)}' did not finish within {timeout.TotalSeconds:0.#} s.\nstdout:\n{p.Stdout}\nstderr:\n{p.Stderr}");
        }

        return (p.ExitCode, p.Stdout, p.Stderr);
    }

    /// <summary>Waits for the process to exit; false if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            // Let the asynchronous output readers drain.
            _process.WaitForExit();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGTERM, then SIGKILL after <paramref name="grace"/>, to this process only (and, with ip netns exec, the program it became).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_process.HasExited)
        {
            return;
        }

        Signal(_process.Id, 15);
        if (!await WaitForExitAsync(grace ?? TimeSpan.FromSeconds(3)))
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // exited in between
            }

            await WaitForExitAsync(TimeSpan.FromSeconds(5));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Sends a signal to one PID.</summary>
    public static void Signal(int pid, int signal) => _ = Kill(pid, signal);
}
