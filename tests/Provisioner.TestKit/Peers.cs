namespace Provisioner.TestKit;

/// <summary>
/// Real peer programs (Debian packages installed by <c>make deps</c>). A test against a real peer
/// never skips: when the program is missing, <see cref="Require"/> fails the test and says how to fix it.
/// </summary>
public static class Peers
{
    private static readonly string[] SearchPath =
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]).Distinct().ToArray();

    /// <summary>Returns the full path of <paramref name="program"/>, or throws naming the package to install.</summary>
    public static string Require(string program, string? debianPackage = null)
    {
        var found = Find(program);
        if (found is null)
        {
            throw new InvalidOperationException(
                $"Real peer '{program}' is not installed (Debian package '{debianPackage ?? program}'). Run 'make deps'.");
        }

        return found;
    }

    /// <summary>Returns the full path of <paramref name="program"/> or null.</summary>
    public static string? Find(string program)
    {
        if (program.Contains('/'))
        {
            return File.Exists(program) ? program : null;
        }

        return SearchPath.Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
    }

    /// <summary>Fails unless the test runs as root (network namespaces, port 67, raw sockets).</summary>
    public static void RequireRoot()
    {
        if (Environment.UserName != "root" && !string.Equals(Environment.GetEnvironmentVariable("USER"), "root", StringComparison.Ordinal)
            && GetEuid() != 0)
        {
            throw new InvalidOperationException("This test needs root (network namespaces). Run the tests as root, as CI does.");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
