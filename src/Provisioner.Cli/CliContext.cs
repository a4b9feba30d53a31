using System.CommandLine;

namespace Provisioner.Cli;

/// <summary>What a command run needs from outside: output streams, stdin, config location, environment overrides.</summary>
public sealed class CliContext
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public TextReader In { get; init; } = System.Console.In;

    public string ConfigPath { get; init; } = CliConfig.DefaultPath();

    /// <summary>True when stderr is a terminal: progress bars redraw in place.</summary>
    public bool Interactive { get; init; }

    public static CliContext Console() => new()
    {
        Out = System.Console.Out,
        Error = System.Console.Error,
        In = System.Console.In,
        Interactive = !System.Console.IsErrorRedirected,
    };
}

/// <summary>Options shared by every command (new instances per command tree; read back by name).</summary>
public static class GlobalOptions
{
    public static Option<string> CreateOutput() => new("--output", "-o")
    {
        Description = "table (default) or json",
        Recursive = true,
        DefaultValueFactory = _ => "table",
    };

    public static Option<string?> CreateUrl() => new("--url")
    {
        Description = "Appliance URL (default: from 'provisioner login', or PROVISIONER_URL)",
        Recursive = true,
    };

    public static bool Json(ParseResult r) => string.Equals(r.GetValue<string>("--output"), "json", StringComparison.OrdinalIgnoreCase);

    public static string? Url(ParseResult r) => r.GetValue<string?>("--url");
}
