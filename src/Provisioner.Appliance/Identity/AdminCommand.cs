using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Identity;

/// <summary>
/// <c>provisioner-appliance admin ...</c>: local user administration run on the appliance itself, for the first admin and
/// for recovery (there is no default password). Program.cs calls <see cref="RunAsync"/> when args[0] is "admin".
/// </summary>
public static class AdminCommand
{
    public const string Usage = """
        Usage:
          provisioner-appliance admin create NAME [--role admin|operator|viewer] [--password-stdin]
          provisioner-appliance admin reset-password NAME [--password-stdin]
          provisioner-appliance admin disable NAME | enable NAME
          provisioner-appliance admin list
          provisioner-appliance admin token NAME [--token-name LABEL]   (prints a new API token once)

        The password is read from standard input with --password-stdin (one line), else from the environment variable
        PROVISIONER_ADMIN_PASSWORD, else asked for twice on the terminal.
        """;

    /// <returns>0 done, 1 refused (e.g. user exists), 2 usage error.</returns>
    public static async Task<int> RunAsync(string[] args, IServiceProvider services, TextReader? input = null, TextWriter? output = null,
        TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        input ??= Console.In;
        output ??= Console.Out;
        error ??= Console.Error;
        var rest = args.SkipWhile(a => a == "admin").ToList();
        if (rest.Count == 0 || rest[0] is "-h" or "--help" or "help")
        {
            await output.WriteLineAsync(Usage);
            return rest.Count == 0 ? 2 : 0;
        }

        using var scope = services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<IUserRepository>();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        var verb = rest[0];
        var name = rest.Count > 1 && !rest[1].StartsWith("--", StringComparison.Ordinal) ? rest[1] : null;
        try
        {
            switch (verb)
            {
                case "list":
                    foreach (var u in await users.ListAsync(cancellationToken))
                    {
                        await output.WriteLineAsync($"{u.Name,-24} {ProvisionerClaims.RoleName(u.Role),-9} {(u.Disabled ? "disabled" : "active")}");
                    }

                    return 0;

                case "create" when name is not null:
                {
                    var roleText = Option(rest, "--role") ?? "admin";
                    if (!ProvisionerClaims.TryParseRole(roleText, out var role))
                    {
                        await error.WriteLineAsync($"Unknown role '{roleText}': use admin, operator or viewer.");
                        return 2;
                    }

                    if (await users.FindByNameAsync(name, cancellationToken) is not null)
                    {
                        await error.WriteLineAsync($"User '{name}' already exists; use 'admin reset-password {name}' to set a new password.");
                        return 1;
                    }

                    var password = await ReadPasswordAsync(rest, input, output, error);
                    if (password is null)
                    {
                        return 1;
                    }

                    await accounts.CreateAsync(name, password, role, "appliance-cli", "appliance-cli", cancellationToken);
                    await output.WriteLineAsync($"Created {ProvisionerClaims.RoleName(role)} '{name}'.");
                    return 0;
                }

                case "reset-password" when name is not null:
                {
                    var user = await users.FindByNameAsync(name, cancellationToken);
                    if (user is null)
                    {
                        await error.WriteLineAsync($"No user named '{name}'. 'admin list' shows the users.");
                        return 1;
                    }

                    var password = await ReadPasswordAsync(rest, input, output, error);
                    if (password is null)
                    {
                        return 1;
                    }

                    await accounts.SetPasswordAsync(user, password, "appliance-cli", "appliance-cli", cancellationToken);
                    await output.WriteLineAsync($"Password of '{name}' changed.");
                    return 0;
                }

                case "disable" or "enable" when name is not null:
                {
                    var user = await users.FindByNameAsync(name, cancellationToken);
                    if (user is null)
                    {
                        await error.WriteLineAsync($"No user named '{name}'.");
                        return 1;
                    }

                    await users.UpdateAsync(user with { Disabled = verb == "disable" }, cancellationToken);
                    await output.WriteLineAsync($"User '{name}' {verb}d.");
                    return 0;
                }

                case "token" when name is not null:
                {
                    var user = await users.FindByNameAsync(name, cancellationToken);
                    if (user is null)
                    {
                        await error.WriteLineAsync($"No user named '{name}'.");
                        return 1;
                    }

                    var issued = await accounts.IssueTokenAsync(user, Option(rest, "--token-name") ?? "appliance-cli", null, "appliance-cli",
                        "appliance-cli", cancellationToken);
                    await output.WriteLineAsync(issued.Token);
                    return 0;
                }

                default:
                    await error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message);
            return 1;
        }
    }

    private static string? Option(List<string> args, string name)
    {
        var i = args.IndexOf(name);
        return i >= 0 && i + 1 < args.Count ? args[i + 1] : null;
    }

    private static async Task<string?> ReadPasswordAsync(List<string> args, TextReader input, TextWriter output, TextWriter error)
    {
        if (args.Contains("--password-stdin"))
        {
            return (await input.ReadLineAsync())?.TrimEnd('\r', '\n');
        }

        if (Environment.GetEnvironmentVariable("PROVISIONER_ADMIN_PASSWORD") is { Length: > 0 } fromEnv)
        {
            return fromEnv;
        }

        if (Console.IsInputRedirected)
        {
            await error.WriteLineAsync("No terminal to ask for a password: use --password-stdin or PROVISIONER_ADMIN_PASSWORD.");
            return null;
        }

        var first = Prompt("Password: ", output);
        var second = Prompt("Again: ", output);
        if (first != second)
        {
            await error.WriteLineAsync("The passwords differ.");
            return null;
        }

        return first;
    }

    private static string Prompt(string label, TextWriter output)
    {
        output.Write(label);
        output.Flush();
        var chars = new List<char>();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                output.WriteLine();
                return new string(chars.ToArray());
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (chars.Count > 0)
                {
                    chars.RemoveAt(chars.Count - 1);
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                chars.Add(key.KeyChar);
            }
        }
    }
}
