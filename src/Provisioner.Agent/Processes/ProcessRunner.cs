using System.Diagnostics;
using Provisioner.Agent.Diagnostics;

namespace Provisioner.Agent.Processes;

/// <summary>Outcome of a program run: its exit code and its output lines (stdout and stderr interleaved).</summary>
public sealed record ProcessResult(int ExitCode, IReadOnlyList<string> Output)
{
    /// <summary>The last lines of output joined for an error message.</summary>
    public string Tail(int lines = 5) => string.Join(" | ", Output.Skip(Math.Max(0, Output.Count - lines)));
}

/// <summary>Runs the tools of the live image (udhcpc, sfdisk, mkfs.fat, mcopy, wipefs); faked in unit tests.</summary>
public interface IProcessRunner
{
    /// <summary>Runs <paramref name="program"/> to completion; kills it (by its PID) after <paramref name="timeout"/>.</summary>
    Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct, string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null);
}

/// <summary>Runs programs with <see cref="Process"/>, copying their output into the log tail.</summary>
public sealed class ProcessRunner(LogTail tail) : IProcessRunner
{
    /// <inheritdoc />
    public async Task<ProcessResult> RunAsync(string program, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken ct, string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var output = new List<string>();
        var name = Path.GetFileName(program);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(line);
            }

            tail.Add($"{name}: {line}");
        }

        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        tail.Add($"$ {program} {string.Join(' ', args)}");
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new ProcessResult(127, [$"{program}: cannot start: {e.Message}"]);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), ct).ConfigureAwait(false);
        }

        process.StandardInput.Close();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            ct.ThrowIfCancellationRequested();
            lock (output)
            {
                output.Add($"{name}: killed after {timeout.TotalSeconds:0} s");
                return new ProcessResult(124, output.ToArray());
            }
        }

        // A program that daemonized a child (udhcpc) may keep the pipes open: give the readers a moment, not forever.
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
        {
            try
            {
                await Task.Run(process.WaitForExit, drain.Token).WaitAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToArray());
        }
    }
}
