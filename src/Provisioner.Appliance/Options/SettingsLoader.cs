using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;

namespace Provisioner.Appliance.Options;

/// <summary>A setting that cannot be used, named by its configuration path ("Dhcp:Interfaces").</summary>
public sealed class SettingsException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;

    public string Problem { get; } = problem;
}

/// <summary>
/// Binds and checks <see cref="ApplianceSettings"/>. Every problem is reported as one line naming the setting,
/// so an operator can fix it without reading a stack trace.
/// </summary>
public static class SettingsLoader
{
    /// <summary>Binds the settings; throws <see cref="SettingsException"/> for the first value that cannot be converted.</summary>
    public static ApplianceSettings Bind(IConfiguration configuration)
    {
        var settings = new ApplianceSettings();
        try
        {
            configuration.Bind(settings, o => o.ErrorOnUnknownConfiguration = false);
        }
        catch (InvalidOperationException e)
        {
            throw TranslateBindError(e);
        }

        return settings;
    }

    /// <summary>Returns every problem with the settings, one line each ("Section:Key: problem"); empty when all is well.</summary>
    public static IReadOnlyList<SettingsException> Validate(ApplianceSettings s, Func<IEnumerable<string>>? interfaceNames = null)
    {
        var problems = new List<SettingsException>();
        void Bad(string path, string problem) => problems.Add(new SettingsException(path, problem));

        if (string.IsNullOrWhiteSpace(s.DataDirectory))
        {
            Bad("DataDirectory", "must not be empty");
        }

        var urls = s.Http.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            Bad("Http:Urls", "at least one listen URL is needed, e.g. http://0.0.0.0:8080");
        }

        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != Uri.UriSchemeHttp && u.Scheme != Uri.UriSchemeHttps))
            {
                Bad("Http:Urls", $"'{url}' is not an http:// or https:// URL");
            }
        }

        if (!string.IsNullOrEmpty(s.PublicBaseUrl))
        {
            if (!Uri.TryCreate(s.PublicBaseUrl, UriKind.Absolute, out var pub) || pub.Scheme != Uri.UriSchemeHttp && pub.Scheme != Uri.UriSchemeHttps)
            {
                Bad("PublicBaseUrl", $"'{s.PublicBaseUrl}' is not an http:// URL that nodes can reach, e.g. http://10.77.0.1:8080");
            }
        }
        else if (urls.Length > 0 && Uri.TryCreate(urls[0], UriKind.Absolute, out var first) && IsWildcardHost(first.Host)
                 && s.Dhcp.Mode != DhcpMode.Off)
        {
            Bad("PublicBaseUrl", $"must be set when Http:Urls listens on a wildcard address ({urls[0]}): nodes need a real address");
        }

        if (s.Storage.Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(s.Storage.ConnectionString))
        {
            Bad("Storage:ConnectionString", "is required when Storage:Provider is Postgres, e.g. Host=db;Database=provisioner;Username=provisioner");
        }

        if (s.Dhcp.Mode != DhcpMode.Off)
        {
            if (s.Dhcp.Interfaces.Count == 0)
            {
                Bad("Dhcp:Interfaces", $"at least one interface is needed when Dhcp:Mode is {s.Dhcp.Mode}");
            }

            var known = (interfaceNames ?? DefaultInterfaceNames)().ToHashSet(StringComparer.Ordinal);
            foreach (var name in s.Dhcp.Interfaces.Where(n => !known.Contains(n)))
            {
                Bad("Dhcp:Interfaces", $"no interface named {name} (this machine has: {string.Join(", ", known.Order(StringComparer.Ordinal))})");
            }
        }

        if (s.Dhcp.Port is < 1 or > 65535)
        {
            Bad("Dhcp:Port", $"{s.Dhcp.Port} is not a UDP port (1-65535)");
        }

        if (s.Tftp.Enabled)
        {
            if (!IPAddress.TryParse(s.Tftp.Address, out _))
            {
                Bad("Tftp:Address", $"'{s.Tftp.Address}' is not an IP address");
            }

            if (s.Tftp.Port is < 1 or > 65535)
            {
                Bad("Tftp:Port", $"{s.Tftp.Port} is not a UDP port (1-65535)");
            }
        }

        if (s.Jobs.MaxConcurrent is < 1 or > 10_000)
        {
            Bad("Jobs:MaxConcurrent", $"{s.Jobs.MaxConcurrent.ToString(CultureInfo.InvariantCulture)} is out of range (1-10000)");
        }

        foreach (var id in s.Jobs.ServedBpods.Where(id => !Guid.TryParse(id, out _)))
        {
            Bad("Jobs:ServedBpods", $"'{id}' is not a BPOD id (see 'provisioner bpod list')");
        }

        if (s.Jobs.LeaseSeconds is < 3 or > 3600)
        {
            Bad("Jobs:LeaseSeconds", $"{s.Jobs.LeaseSeconds.ToString(CultureInfo.InvariantCulture)} is out of range (3-3600)");
        }

        if (s.Jobs.MaxStepInterruptions is < 1 or > 100)
        {
            Bad("Jobs:MaxStepInterruptions", $"{s.Jobs.MaxStepInterruptions.ToString(CultureInfo.InvariantCulture)} is out of range (1-100)");
        }

        if (string.IsNullOrWhiteSpace(s.ApplianceName) || s.ApplianceName.Contains('/', StringComparison.Ordinal))
        {
            Bad("ApplianceName", $"'{s.ApplianceName}' cannot be used: it names this appliance's job leases and must be non-empty, without '/'");
        }

        if (s.Power.MonitorIntervalSeconds is < 0 or > 86_400)
        {
            Bad("Power:MonitorIntervalSeconds", $"{s.Power.MonitorIntervalSeconds.ToString(CultureInfo.InvariantCulture)} is out of range (0 turns the monitor off; at most 86400)");
        }

        if (s.Api.MaxImageUploadBytes < 1)
        {
            Bad("Api:MaxImageUploadBytes", $"{s.Api.MaxImageUploadBytes.ToString(CultureInfo.InvariantCulture)} must be a positive number of bytes");
        }

        if (s.Api.ImportChunkBytes is < 4096 or > 1 << 30 || s.Api.ImportChunkBytes % 4096 != 0)
        {
            Bad("Api:ImportChunkBytes", $"{s.Api.ImportChunkBytes.ToString(CultureInfo.InvariantCulture)} must be a multiple of 4096 between 4096 and 1073741824 (1 GiB)");
        }

        return problems;
    }

    private static bool IsWildcardHost(string host) => host is "0.0.0.0" or "[::]" or "::" or "*" or "+";

    private static IEnumerable<string> DefaultInterfaceNames() => NetworkInterface.GetAllNetworkInterfaces().Select(i => i.Name);

    // The binder says "Failed to convert configuration value '…' at 'Dhcp:Mode' to type '…'": keep the path, say what is allowed.
    private static SettingsException TranslateBindError(InvalidOperationException e)
    {
        var message = e.Message;
        var at = message.IndexOf(" at '", StringComparison.Ordinal);
        if (at >= 0)
        {
            var start = at + 5;
            var end = message.IndexOf('\'', start);
            var path = end > start ? message[start..end] : "configuration";
            var typeAt = message.IndexOf("to type '", StringComparison.Ordinal);
            var problem = "has a value that cannot be used";
            if (typeAt >= 0)
            {
                var typeName = message[(typeAt + 9)..].TrimEnd('.', '\'');
                var type = Type.GetType(typeName) ?? typeof(ApplianceSettings).Assembly.GetType(typeName);
                problem = type is { IsEnum: true }
                    ? $"is not one of {string.Join(", ", Enum.GetNames(type))}"
                    : $"is not a valid {(type ?? typeof(object)).Name.ToLowerInvariant()}";
            }

            var valueStart = message.IndexOf("value '", StringComparison.Ordinal);
            if (valueStart >= 0)
            {
                var vEnd = message.IndexOf('\'', valueStart + 7);
                if (vEnd > valueStart)
                {
                    problem = $"'{message[(valueStart + 7)..vEnd]}' {problem}";
                }
            }

            return new SettingsException(path, problem);
        }

        return new SettingsException("configuration", message);
    }
}
