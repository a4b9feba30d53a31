namespace Provisioner.Agent.Boot;

/// <summary>
/// Everything the agent needs to know at start, read from the kernel command line (and, for tests and manual runs,
/// overridden by <c>--key=value</c> arguments).
/// </summary>
public sealed record AgentOptions
{
    /// <summary>Appliance base URL, e.g. <c>http://10.77.0.1:8080</c>.</summary>
    public required Uri ApplianceUrl { get; init; }

    /// <summary>Per-boot bearer token.</summary>
    public required string Token { get; init; }

    /// <summary>MAC of the PXE interface (from BOOTIF), lower case with colons; null when not booted through iPXE.</summary>
    public string? BootMac { get; init; }

    /// <summary>Root under which /sys, /proc and /dev are read (a fake tree in tests).</summary>
    public string Root { get; init; } = "/";

    /// <summary>Bring the network up with udhcpc (off when the network is already configured, e.g. in tests).</summary>
    public bool ConfigureNetwork { get; init; } = true;

    /// <summary>How long to listen for an LLDP frame on the boot interface; zero turns it off.</summary>
    public TimeSpan LldpWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Long-poll wait asked of the appliance.</summary>
    public int TaskWaitSeconds { get; init; } = 30;

    /// <summary>
    /// Parses a kernel command line plus overrides. Returns null and an error when the URL or token is missing or bad.
    /// </summary>
    public static AgentOptions? Parse(string cmdline, IReadOnlyDictionary<string, string> overrides, out string? error)
    {
        var p = KernelCommandLine.Parse(cmdline);
        foreach (var (k, v) in overrides)
        {
            p[k] = v;
        }

        error = null;
        if (!p.TryGetValue(Protocol.AgentApi.UrlParameter, out var url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"kernel parameter {Protocol.AgentApi.UrlParameter}=http(s)://host:port is missing or invalid";
            return null;
        }

        if (!p.TryGetValue(Protocol.AgentApi.TokenParameter, out var token) || token.Length == 0)
        {
            error = $"kernel parameter {Protocol.AgentApi.TokenParameter} is missing";
            return null;
        }

        string? bootMac = null;
        if (p.TryGetValue(Protocol.AgentApi.BootInterfaceParameter, out var bootif))
        {
            bootMac = KernelCommandLine.ParseBootIf(bootif);
        }

        var options = new AgentOptions { ApplianceUrl = uri, Token = token, BootMac = bootMac };
        if (p.TryGetValue("provisioner.root", out var root) && root.Length > 0)
        {
            options = options with { Root = root };
        }

        if (p.TryGetValue("provisioner.network", out var net))
        {
            options = options with { ConfigureNetwork = net is not ("0" or "off" or "false") };
        }

        if (p.TryGetValue("provisioner.lldp", out var lldp) && int.TryParse(lldp, out var lldpSeconds) && lldpSeconds >= 0)
        {
            options = options with { LldpWait = TimeSpan.FromSeconds(lldpSeconds) };
        }

        if (p.TryGetValue("provisioner.wait", out var wait) && int.TryParse(wait, out var waitSeconds) && waitSeconds is >= 0 and <= Protocol.AgentApi.MaxWaitSeconds)
        {
            options = options with { TaskWaitSeconds = waitSeconds };
        }

        return options;
    }
}
