using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Provisioner.TestKit.Redfish;

/// <summary>
/// A small Redfish service over HTTPS (self-signed certificate) or HTTP on loopback, built on a
/// TcpListener (no ASP.NET). It serves the service root, SessionService sessions, the Systems
/// collection and one ComputerSystem shaped like DMTF's public-rackmount1 mockup, implements
/// ComputerSystem.Reset and the Boot/IndicatorLED PATCH with ETags, and has switches for failure
/// tests (ignore resets, require If-Match, drop sessions).
/// </summary>
public sealed class RedfishServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly ConcurrentDictionary<string, string> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly object _gate = new();
    private int _version = 1;
    private int _sessionCounter;

    /// <summary>Starts the server on 127.0.0.1 with a free port.</summary>
    public RedfishServer(bool useTls = true, string username = "admin", string password = "password")
    {
        Username = username;
        Password = password;
        if (useTls)
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=bmc.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
            _certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    /// <summary>The port.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>SHA-256 fingerprint of the server certificate (hex), for pinning.</summary>
    public string? CertificateSha256 => _certificate is null ? null : Convert.ToHexString(SHA256.HashData(_certificate.RawData));

    /// <summary>The user name accepted.</summary>
    public string Username { get; }

    /// <summary>The password accepted.</summary>
    public string Password { get; }

    /// <summary>PowerState of the system.</summary>
    public string PowerState { get; set; } = "Off";

    /// <summary>Boot override target.</summary>
    public string BootTarget { get; private set; } = "None";

    /// <summary>Boot override enabled: Disabled, Once, Continuous.</summary>
    public string BootEnabled { get; private set; } = "Disabled";

    /// <summary>Boot override mode: UEFI or Legacy.</summary>
    public string BootMode { get; private set; } = "UEFI";

    /// <summary>Identify indicator.</summary>
    public bool IndicatorActive { get; private set; }

    /// <summary>Accept Reset with 204 but change nothing (a lying BMC).</summary>
    public bool IgnoreResets { get; set; }

    /// <summary>Answer 428 to a PATCH without If-Match.</summary>
    public bool RequireIfMatch { get; set; }

    /// <summary>Requests as "METHOD path", oldest first.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>Forgets every session token (a BMC reboot).</summary>
    public void DropSessions() => _sessions.Clear();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _certificate?.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            Stream stream = client.GetStream();
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(_certificate, clientCertificateRequired: false, checkCertificateRevocation: false);
                stream = ssl;
            }

            await using (stream)
            {
                while (!_stop.IsCancellationRequested)
                {
                    var request = await ReadRequestAsync(stream);
                    if (request is null)
                    {
                        return;
                    }

                    var (status, body, headers) = Handle(request.Value.Method, request.Value.Path, request.Value.Headers, request.Value.Body);
                    await WriteResponseAsync(stream, status, body, headers);
                }
            }
        }
        catch (Exception e) when (e is IOException or global::System.Security.Authentication.AuthenticationException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private (int Status, JsonNode? Body, Dictionary<string, string> Headers) Handle(string method, string path, Dictionary<string, string> headers, string body)
    {
        _requests.Enqueue($"{method} {path}");
        var none = new Dictionary<string, string>();
        if (method == "GET" && path is "/redfish/v1" or "/redfish/v1/")
        {
            return (200, ServiceRoot(), none);
        }

        if (method == "POST" && path == "/redfish/v1/SessionService/Sessions")
        {
            var login = JsonNode.Parse(body);
            if (login?["UserName"]?.GetValue<string>() != Username || login?["Password"]?.GetValue<string>() != Password)
            {
                return (401, Error("Base.1.8.GeneralError", "Invalid username or password"), none);
            }

            var id = Interlocked.Increment(ref _sessionCounter).ToString(CultureInfo.InvariantCulture);
            var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
            _sessions[token] = id;
            return (201, new JsonObject { ["@odata.id"] = $"/redfish/v1/SessionService/Sessions/{id}", ["Id"] = id, ["UserName"] = Username },
                new Dictionary<string, string> { ["X-Auth-Token"] = token, ["Location"] = $"/redfish/v1/SessionService/Sessions/{id}" });
        }

        if (!Authorized(headers))
        {
            return (401, Error("Base.1.8.InsufficientPrivilege", "Authentication required"), none);
        }

        if (method == "DELETE" && path.StartsWith("/redfish/v1/SessionService/Sessions/", StringComparison.Ordinal))
        {
            foreach (var (token, id) in _sessions)
            {
                if (path.EndsWith("/" + id, StringComparison.Ordinal))
                {
                    _sessions.TryRemove(token, out _);
                }
            }

            return (204, null, none);
        }

        if (method == "GET" && path == "/redfish/v1/Systems")
        {
            return (200, new JsonObject
            {
                ["@odata.type"] = "#ComputerSystemCollection.ComputerSystemCollection",
                ["@odata.id"] = "/redfish/v1/Systems",
                ["Name"] = "Computer System Collection",
                ["Members@odata.count"] = 1,
                ["Members"] = new JsonArray(new JsonObject { ["@odata.id"] = "/redfish/v1/Systems/437XR1138R2" }),
            }, none);
        }

        const string system = "/redfish/v1/Systems/437XR1138R2";
        if (method == "GET" && path == system)
        {
            lock (_gate)
            {
                return (200, System(), new Dictionary<string, string> { ["ETag"] = ETag });
            }
        }

        if (method == "PATCH" && path == system)
        {
            lock (_gate)
            {
                headers.TryGetValue("if-match", out var ifMatch);
                if (ifMatch is null && RequireIfMatch)
                {
                    return (428, Error("Base.1.8.PreconditionRequired", "If-Match header required"), none);
                }

                if (ifMatch is not null && ifMatch != ETag && ifMatch != "*")
                {
                    return (412, Error("Base.1.8.PreconditionFailed", "ETag does not match"), none);
                }

                var patch = JsonNode.Parse(body);
                if (patch?["Boot"] is { } boot)
                {
                    var target = boot["BootSourceOverrideTarget"]?.GetValue<string>() ?? BootTarget;
                    if (!BootTargets.Contains(target))
                    {
                        return (400, Error("Base.1.8.PropertyValueNotInList", $"The value {target} for the property BootSourceOverrideTarget is not in the list of acceptable values."), none);
                    }

                    BootTarget = target;
                    BootEnabled = boot["BootSourceOverrideEnabled"]?.GetValue<string>() ?? BootEnabled;
                    BootMode = boot["BootSourceOverrideMode"]?.GetValue<string>() ?? BootMode;
                }

                if (patch?["LocationIndicatorActive"] is { } lit)
                {
                    IndicatorActive = lit.GetValue<bool>();
                }

                _version++;
                return (204, null, none);
            }
        }

        if (method == "POST" && path == system + "/Actions/ComputerSystem.Reset")
        {
            var type = JsonNode.Parse(body)?["ResetType"]?.GetValue<string>();
            lock (_gate)
            {
                if (!IgnoreResets)
                {
                    switch (type)
                    {
                        case "On" or "ForceOn" or "ForceRestart" or "GracefulRestart" or "PowerCycle":
                            PowerState = "On";
                            break;
                        case "ForceOff" or "GracefulShutdown":
                            PowerState = "Off";
                            break;
                        default:
                            return (400, Error("Base.1.8.ActionParameterUnknown", $"ResetType {type} is not supported."), none);
                    }

                    _version++;
                }
            }

            return (204, null, none);
        }

        return (404, Error("Base.1.8.ResourceMissingAtURI", $"The resource at the URI {path} was not found."), none);
    }

    private static readonly string[] BootTargets = ["None", "Pxe", "Cd", "Usb", "Hdd", "BiosSetup", "Utilities", "Diags", "UefiShell", "UefiHttp"];

    private string ETag => $"W/\"{_version}\"";

    private JsonObject System() => new()
    {
        ["@odata.type"] = "#ComputerSystem.v1_20_0.ComputerSystem",
        ["@odata.id"] = "/redfish/v1/Systems/437XR1138R2",
        ["@odata.etag"] = ETag,
        ["Id"] = "437XR1138R2",
        ["Name"] = "WebFrontEnd483",
        ["SystemType"] = "Physical",
        ["AssetTag"] = "Chicago-45Z-2381",
        ["Manufacturer"] = "Contoso",
        ["Model"] = "3500",
        ["SKU"] = "8675309",
        ["SerialNumber"] = "437XR1138R2",
        ["PartNumber"] = "224071-J23",
        ["UUID"] = "38947555-7742-3448-3784-823347823834",
        ["HostName"] = "web483",
        ["Status"] = new JsonObject { ["State"] = "Enabled", ["Health"] = "OK" },
        ["LocationIndicatorActive"] = IndicatorActive,
        ["PowerState"] = PowerState,
        ["Boot"] = new JsonObject
        {
            ["BootSourceOverrideEnabled"] = BootEnabled,
            ["BootSourceOverrideTarget"] = BootTarget,
            ["BootSourceOverrideTarget@Redfish.AllowableValues"] = new JsonArray([.. BootTargets.Select(t => (JsonNode)t)]),
            ["BootSourceOverrideMode"] = BootMode,
        },
        ["ProcessorSummary"] = new JsonObject { ["Count"] = 2, ["Model"] = "Multi-Core Intel(R) Xeon(R) processor 7xxx Series" },
        ["MemorySummary"] = new JsonObject { ["TotalSystemMemoryGiB"] = 96 },
        ["Actions"] = new JsonObject
        {
            ["#ComputerSystem.Reset"] = new JsonObject
            {
                ["target"] = "/redfish/v1/Systems/437XR1138R2/Actions/ComputerSystem.Reset",
                ["ResetType@Redfish.AllowableValues"] = new JsonArray("On", "ForceOff", "GracefulShutdown", "GracefulRestart", "ForceRestart", "Nmi", "ForceOn", "PushPowerButton"),
            },
        },
    };

    private static JsonObject ServiceRoot() => new()
    {
        ["@odata.type"] = "#ServiceRoot.v1_15_0.ServiceRoot",
        ["@odata.id"] = "/redfish/v1/",
        ["Id"] = "RootService",
        ["Name"] = "Root Service",
        ["RedfishVersion"] = "1.15.0",
        ["Systems"] = new JsonObject { ["@odata.id"] = "/redfish/v1/Systems" },
        ["SessionService"] = new JsonObject { ["@odata.id"] = "/redfish/v1/SessionService" },
        ["Links"] = new JsonObject { ["Sessions"] = new JsonObject { ["@odata.id"] = "/redfish/v1/SessionService/Sessions" } },
    };

    private static JsonObject Error(string id, string message) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = id,
            ["message"] = message,
            ["@Message.ExtendedInfo"] = new JsonArray(new JsonObject { ["MessageId"] = id, ["Message"] = message }),
        },
    };

    private bool Authorized(Dictionary<string, string> headers)
    {
        if (headers.TryGetValue("x-auth-token", out var token))
        {
            return _sessions.ContainsKey(token);
        }

        if (headers.TryGetValue("authorization", out var auth) && auth.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..]));
            return decoded == $"{Username}:{Password}";
        }

        return false;
    }

    private static async Task<(string Method, string Path, Dictionary<string, string> Headers, string Body)?> ReadRequestAsync(Stream stream)
    {
        var head = new List<byte>(1024);
        var one = new byte[1];
        while (head.Count < 65536)
        {
            if (await stream.ReadAsync(one) == 0)
            {
                return null;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length < 2)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
            }
        }

        var length = headers.TryGetValue("content-length", out var cl) ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return (requestLine[0], requestLine[1], headers, Encoding.UTF8.GetString(body));
    }

    private static async Task WriteResponseAsync(Stream stream, int status, JsonNode? body, Dictionary<string, string> headers)
    {
        var content = body is null ? [] : Encoding.UTF8.GetBytes(body.ToJsonString());
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {Reason(status)}\r\n");
        sb.Append("OData-Version: 4.0\r\n");
        if (body is not null)
        {
            sb.Append("Content-Type: application/json; charset=utf-8\r\n");
        }

        foreach (var (k, v) in headers)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{k}: {v}\r\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {content.Length}\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()));
        await stream.WriteAsync(content);
        await stream.FlushAsync();
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        412 => "Precondition Failed",
        428 => "Precondition Required",
        _ => "Status",
    };
}
