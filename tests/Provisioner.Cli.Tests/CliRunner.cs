namespace Provisioner.Cli.Tests;

/// <summary>Runs the CLI in-process with its own home (config file) and captured output, as a user's shell would.</summary>
public sealed class CliRunner : IDisposable
{
    public string Home { get; } = Directory.CreateTempSubdirectory("provisioner-cli-").FullName;

    public string ConfigPath => Path.Combine(Home, "provisioner", "config.json");

    public async Task<(int Code, string Out, string Err)> RunWithInputAsync(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext { Out = output, Error = error, In = new StringReader(stdin), ConfigPath = ConfigPath };
        var code = await CliApp.RunAsync(args, context);
        return (code, output.ToString(), error.ToString());
    }

    public Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => RunWithInputAsync("", args);

    /// <summary><c>provisioner login</c> with the password on stdin; asserts it worked.</summary>
    public async Task LoginAsync(string url, string user, string password)
    {
        var (code, _, err) = await RunWithInputAsync(password + "\n", "login", "--url", url, "--user", user, "--password-stdin");
        Assert.True(code == 0, err);
    }

    public void Dispose() => Directory.Delete(Home, recursive: true);
}
