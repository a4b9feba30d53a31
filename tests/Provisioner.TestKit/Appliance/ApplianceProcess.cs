using System.Net.Http;

namespace Provisioner.TestKit.Appliance;

/// <summary>
/// The real appliance process (provisioner-appliance.dll), started by a test with its own data directory and
/// settings, optionally inside a network namespace; stopped by its PID.
/// </summary>
public sealed class ApplianceProcess : IAsyncDisposable
{
    private readonly bool _ownsDataDirectory;

    private ApplianceProcess(PeerProcess process, string baseUrl, string dataDirectory, bool ownsDataDirectory)
    {
        Process = process;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public PeerProcess Process { get; }

    /// <summary>The HTTP base URL, e.g. http://127.0.0.1:40123.</summary>
    public string BaseUrl { get; }

    public string DataDirectory { get; }

    /// <summary>
    /// Starts the appliance with <paramref name="settings"/> as command-line settings ("Section:Key" = value).
    /// Http:Urls defaults to a free loopback port; DataDirectory to a fresh temporary directory.
    /// </summary>
    public static PeerProcess StartRaw(IDictionary<string, string> settings, string? netns = null, string? configFile = null)
    {
        var args = new List<string> { RepoPaths.ApplianceDll };
        if (configFile is not null)
        {
            args.Add("--config");
            args.Add(configFile);
        }

        foreach (var (k, v) in settings)
        {
            args.Add($"--{k}={v}");
        }

        if (!File.Exists(RepoPaths.ApplianceDll))
        {
            throw new InvalidOperationException($"The appliance is not built ({RepoPaths.ApplianceDll}). Run 'make build'.");
        }

        return PeerProcess.Start(Peers.Require("dotnet"), args, netns, RepoPaths.Root);
    }

    /// <summary>Starts the appliance and waits until /healthz answers (or fails with its output).</summary>
    public static async Task<ApplianceProcess> StartAsync(IDictionary<string, string>? settings = null, string? netns = null,
        string? dataDirectory = null, string listenAddress = "127.0.0.1", TimeSpan? startTimeout = null)
    {
        var s = new Dictionary<string, string>(settings ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("provisioner-test-").FullName;
        s.TryAdd("DataDirectory", dataDirectory);
        // Port 69 belongs to the namespace a test creates, never to the machine running the tests.
        s.TryAdd("Tftp:Enabled", netns is null ? "false" : "true");
        if (!s.ContainsKey("Http:Urls"))
        {
            s["Http:Urls"] = $"http://{listenAddress}:{FreePort.Tcp()}";
        }

        var baseUrl = s["Http:Urls"].Split(';')[0].TrimEnd('/');
        var p = StartRaw(s, netns);
        var appliance = new ApplianceProcess(p, baseUrl, dataDirectory, owns);
        try
        {
            await appliance.WaitHealthyAsync(startTimeout ?? TimeSpan.FromSeconds(60), netns);
        }
        catch
        {
            await appliance.DisposeAsync();
            throw;
        }

        return appliance;
    }

    /// <summary>Polls /healthz until it answers 200.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, string? netns = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var http = netns is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(2) } : null;
        while (DateTime.UtcNow < deadline)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The appliance exited with {Process.ExitCode} during start-up.\n{Process.Stdout}\n{Process.Stderr}");
            }

            try
            {
                if (http is not null)
                {
                    using var r = await http.GetAsync(new Uri(BaseUrl + "/healthz"));
                    if (r.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                else
                {
                    var (rc, _, _) = await PeerProcess.RunAsync(Peers.Require("curl"), ["-fsS", "-m", "2", BaseUrl + "/healthz"], TimeSpan.FromSeconds(5), netns);
                    if (rc == 0)
                    {
                        return;
                    }
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The appliance did not answer /healthz within {timeout.TotalSeconds} s.\n{Process.Stdout}\n{Process.Stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
