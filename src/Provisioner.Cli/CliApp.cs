using System.CommandLine;
using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>The <c>provisioner</c> command line: builds the command tree and runs it, mapping failures to exit codes.</summary>
public static partial class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync(error.Message);
            }

            await context.Error.WriteLineAsync("Run 'provisioner --help' (or add --help to the command) for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false },
                cancellationToken);
        }
        catch (CliException ex)
        {
            await context.Error.WriteLineAsync(ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failed;
        }
    }

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Provisioner: bare-metal provisioning from the command line (talks to the appliance's REST API).");
        root.Options.Add(GlobalOptions.CreateOutput());
        root.Options.Add(GlobalOptions.CreateUrl());
        root.Subcommands.Add(LoginCommand(context));
        root.Subcommands.Add(SetupCommand(context));
        root.Subcommands.Add(Cmd(context, "logout", "Forget the stored URL and token", [], (_, s, _) =>
        {
            File.Delete(context.ConfigPath);
            s.Context.Out.WriteLine("Logged out.");
            return Task.FromResult(0);
        }, needsAuth: false));
        root.Subcommands.Add(Cmd(context, "whoami", "Show who the stored token belongs to", [], async (r, s, ct) =>
        {
            var me = await s.Api.GetAsync("api/v1/auth/whoami", ct);
            s.Print(r, me, () => Output.Fields(s.Context.Out, me, "name", "role", "authMethod"));
            return 0;
        }));
        root.Subcommands.Add(ZoneCommands(context));
        root.Subcommands.Add(BpodCommands(context));
        root.Subcommands.Add(NodeCommands(context));
        root.Subcommands.Add(ImageCommands(context));
        root.Subcommands.Add(TemplateCommands(context));
        root.Subcommands.Add(JobCommands(context));
        root.Subcommands.Add(PowerCommands(context));
        root.Subcommands.Add(DoctorCommand(context));
        return root;
    }

    /// <summary>A command that runs with a session (API client from the stored login, --url or PROVISIONER_URL/PROVISIONER_TOKEN).</summary>
    internal static Command Cmd(CliContext context, string name, string description, Symbol[] symbols,
        Func<ParseResult, Session, CancellationToken, Task<int>> run, bool needsAuth = true)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument a:
                    command.Arguments.Add(a);
                    break;
                case Option o:
                    command.Options.Add(o);
                    break;
            }
        }

        command.SetAction(async (parse, ct) =>
        {
            using var session = Session.Open(context, parse, needsAuth);
            return await run(parse, session, ct);
        });
        return command;
    }

    internal static Command Group(string name, string description, params Command[] commands)
    {
        var group = new Command(name, description);
        foreach (var c in commands)
        {
            group.Subcommands.Add(c);
        }

        return group;
    }

    private static Command LoginCommand(CliContext context)
    {
        var user = new Option<string?>("--user", "-u") { Description = "User name" };
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input" };
        var token = new Option<string?>("--token") { Description = "Store an existing API token instead of signing in" };
        return Cmd(context, "login", "Sign in and store the appliance URL and a new API token (~/.config/provisioner/config.json, mode 0600)",
            [user, stdin, token], async (r, s, ct) =>
            {
                var url = GlobalOptions.Url(r) ?? Environment.GetEnvironmentVariable("PROVISIONER_URL")
                          ?? throw new CliException(ExitCodes.Usage, "Give the appliance URL: provisioner login --url http://APPLIANCE:PORT --user NAME");
                if (r.GetValue(token) is { } existing)
                {
                    using var check = new ApiClient(url, existing);
                    var me = await check.GetAsync("api/v1/auth/whoami", ct);
                    new CliConfig(url, existing, me.GetProperty("name").GetString()).Save(context.ConfigPath);
                    await context.Out.WriteLineAsync($"Logged in to {url} as {me.GetProperty("name").GetString()} ({me.GetProperty("role").GetString()}).");
                    return 0;
                }

                var name = r.GetValue(user) ?? throw new CliException(ExitCodes.Usage, "Give --user NAME (or --token TOKEN).");
                var password = await ReadPasswordAsync(context, r.GetValue(stdin));
                using var api = new ApiClient(url, null);
                var issued = await api.PostAsync("api/v1/auth/login", new { name, password, tokenName = $"cli@{Environment.MachineName}" }, ct);
                new CliConfig(url, issued.GetProperty("secret").GetString()!, name).Save(context.ConfigPath);
                await context.Out.WriteLineAsync($"Logged in to {url} as {name}; token stored in {context.ConfigPath}.");
                return 0;
            }, needsAuth: false);
    }

    private static Command SetupCommand(CliContext context)
    {
        var user = new Option<string>("--user", "-u") { Description = "Name of the first admin", Required = true };
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input" };
        return Cmd(context, "setup", "Create the first admin of a fresh appliance (only works while it has no users), then log in",
            [user, stdin], async (r, s, ct) =>
            {
                var url = GlobalOptions.Url(r) ?? Environment.GetEnvironmentVariable("PROVISIONER_URL")
                          ?? throw new CliException(ExitCodes.Usage, "Give the appliance URL: provisioner setup --url http://APPLIANCE:PORT --user NAME");
                var name = r.GetValue(user)!;
                var password = await ReadPasswordAsync(context, r.GetValue(stdin));
                using var api = new ApiClient(url, null);
                await api.PostAsync("api/v1/setup", new { name, password }, ct);
                var issued = await api.PostAsync("api/v1/auth/login", new { name, password, tokenName = $"cli@{Environment.MachineName}" }, ct);
                new CliConfig(url, issued.GetProperty("secret").GetString()!, name).Save(context.ConfigPath);
                await context.Out.WriteLineAsync($"Created admin {name} on {url} and logged in.");
                return 0;
            }, needsAuth: false);
    }

    private static async Task<string> ReadPasswordAsync(CliContext context, bool fromStdin)
    {
        if (fromStdin)
        {
            return (await context.In.ReadLineAsync())?.TrimEnd('\r', '\n') ?? throw new CliException(ExitCodes.Usage, "No password on standard input.");
        }

        if (Environment.GetEnvironmentVariable("PROVISIONER_PASSWORD") is { Length: > 0 } env)
        {
            return env;
        }

        if (Console.IsInputRedirected)
        {
            throw new CliException(ExitCodes.Usage, "No terminal to ask for the password: use --password-stdin or PROVISIONER_PASSWORD.");
        }

        await context.Error.WriteAsync("Password: ");
        var chars = new List<char>();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                await context.Error.WriteLineAsync();
                return new string(chars.ToArray());
            }

            if (key.Key == ConsoleKey.Backspace && chars.Count > 0)
            {
                chars.RemoveAt(chars.Count - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                chars.Add(key.KeyChar);
            }
        }
    }
}

/// <summary>One command run: the API client and how to print.</summary>
public sealed class Session : IDisposable
{
    private readonly ApiClient? _api;

    private Session(CliContext context, ApiClient? api)
    {
        Context = context;
        _api = api;
    }

    public CliContext Context { get; }

    public ApiClient Api => _api ?? throw new CliException(ExitCodes.Auth, "Not logged in: run 'provisioner login --url URL --user NAME'.");

    public static Session Open(CliContext context, ParseResult parse, bool needsAuth)
    {
        var config = CliConfig.Load(context.ConfigPath);
        var url = GlobalOptions.Url(parse) ?? Environment.GetEnvironmentVariable("PROVISIONER_URL") ?? config?.Url;
        var token = Environment.GetEnvironmentVariable("PROVISIONER_TOKEN") ?? config?.Token;
        if (needsAuth && (url is null || token is null))
        {
            throw new CliException(ExitCodes.Auth, "Not logged in: run 'provisioner login --url URL --user NAME' (or set PROVISIONER_URL and PROVISIONER_TOKEN).");
        }

        return new Session(context, url is null ? null : new ApiClient(url, token));
    }

    public void Print(ParseResult parse, JsonElement value, Action table)
    {
        if (GlobalOptions.Json(parse))
        {
            Output.Json(Context.Out, value);
        }
        else
        {
            table();
        }
    }

    public void Dispose() => _api?.Dispose();
}
