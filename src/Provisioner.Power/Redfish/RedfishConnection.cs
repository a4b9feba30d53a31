using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Provisioner.Core.Power;

namespace Provisioner.Power.Redfish;

/// <summary>A JSON reply with its ETag.</summary>
internal sealed record RedfishReply(HttpStatusCode Status, JsonNode? Body, string? ETag);

/// <summary>
/// One BMC's Redfish endpoint: the HTTP client (with TLS verification, or a pinned self-signed
/// certificate fingerprint), the login (session token or basic auth) and error translation.
/// </summary>
internal sealed class RedfishConnection : IDisposable
{
    private readonly HttpClient _http;
    private readonly PowerTarget _target;
    private readonly bool _useSession;
    private readonly SemaphoreSlim _login = new(1, 1);
    private string? _token;
    private string? _sessionUri;

    public RedfishConnection(PowerTarget target, HttpMessageHandler? handler)
    {
        _target = target;
        var auth = target.Setting("auth", "session")!.ToLowerInvariant();
        _useSession = auth switch
        {
            "session" => true,
            "basic" => false,
            _ => throw TargetSettings.Misconfigured(target, $"auth '{auth}' is not session or basic"),
        };
        var scheme = target.Setting("scheme", "https")!.ToLowerInvariant();
        if (scheme is not ("https" or "http"))
        {
            throw TargetSettings.Misconfigured(target, $"scheme '{scheme}' is not https or http");
        }

        var host = TargetSettings.Required(target.Address, target, "the BMC address");
        var port = target.Port ?? (scheme == "https" ? 443 : 80);
        BaseUri = new Uri($"{scheme}://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{port}");
        _http = new HttpClient(handler ?? CreateHandler(target), disposeHandler: true)
        {
            BaseAddress = BaseUri,
            Timeout = TimeSpan.FromMilliseconds(TargetSettings.Int(target, "timeout_ms", 15000)),
        };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        _http.DefaultRequestHeaders.Add("OData-Version", "4.0");
    }

    public Uri BaseUri { get; }

    public string? SystemPath { get; set; }

    public async Task<RedfishReply> SendAsync(HttpMethod method, string path, JsonNode? body, string? ifMatch, CancellationToken ct, bool allowRelogin = true)
    {
        if (_useSession && _token is null)
        {
            await LoginAsync(ct).ConfigureAwait(false);
        }

        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (_useSession)
        {
            request.Headers.Add("X-Auth-Token", _token);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_target.Username}:{_target.Secret}")));
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
        {
            throw new PowerException($"{_target}: TLS certificate of {BaseUri} rejected ({e.InnerException.Message}); set tls_fingerprint to pin a self-signed certificate or verify_tls=false.",
                PowerErrorKind.CredentialsRejected, false, e);
        }
        catch (HttpRequestException e)
        {
            throw new PowerException($"{_target}: Redfish request {method} {path} failed: {e.Message}", PowerErrorKind.NoResponse, true, e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PowerException($"{_target}: Redfish request {method} {path} timed out after {_http.Timeout.TotalSeconds:0.#} s.", PowerErrorKind.NoResponse, true, e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && _useSession && allowRelogin)
            {
                // The session expired at the BMC: log in again once.
                _token = null;
                return await SendAsync(method, path, body, ifMatch, ct, allowRelogin: false).ConfigureAwait(false);
            }

            JsonNode? json = null;
            if (!string.IsNullOrWhiteSpace(text))
            {
                try
                {
                    json = JsonNode.Parse(text);
                }
                catch (JsonException) when (!response.IsSuccessStatusCode)
                {
                    json = null;
                }
                catch (JsonException e)
                {
                    throw new PowerException($"{_target}: Redfish {method} {path} returned invalid JSON: {e.Message}", PowerErrorKind.ProtocolError, false, e);
                }
            }

            var etag = response.Headers.ETag?.ToString() ?? json?["@odata.etag"]?.GetValue<string>();
            return new RedfishReply(response.StatusCode, json, etag);
        }
    }

    public PowerException Error(string what, RedfishReply reply)
    {
        var message = ExtendedMessage(reply.Body);
        var text = $"{_target}: {what} failed: HTTP {(int)reply.Status} {reply.Status}{(message is null ? string.Empty : ": " + message)}.";
        return reply.Status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new PowerException(text, PowerErrorKind.CredentialsRejected, false),
            HttpStatusCode.NotFound => new PowerException(text, PowerErrorKind.Misconfigured, false),
            HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed =>
                new PowerException(text, PowerErrorKind.Busy, true),
            >= HttpStatusCode.InternalServerError => new PowerException(text, PowerErrorKind.Rejected, true),
            _ => new PowerException(text, PowerErrorKind.Rejected, false),
        };
    }

    public void Dispose()
    {
        if (_sessionUri is not null)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var request = new HttpRequestMessage(HttpMethod.Delete, _sessionUri);
                request.Headers.Add("X-Auth-Token", _token);
                _http.SendAsync(request, cts.Token).GetAwaiter().GetResult().Dispose();
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // The BMC expires the session on its own.
            }
        }

        _http.Dispose();
        _login.Dispose();
    }

    private async Task LoginAsync(CancellationToken ct)
    {
        await _login.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_token is not null)
            {
                return;
            }

            // Redfish spec DSP0266 §13.3.4: POST credentials to the session collection; the token comes back in X-Auth-Token.
            using var request = new HttpRequestMessage(HttpMethod.Post, "/redfish/v1/SessionService/Sessions")
            {
                Content = new StringContent(new JsonObject { ["UserName"] = _target.Username, ["Password"] = _target.Secret }.ToJsonString(), Encoding.UTF8, "application/json"),
            };
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (e.InnerException is System.Security.Authentication.AuthenticationException)
            {
                throw new PowerException($"{_target}: TLS certificate of {BaseUri} rejected ({e.InnerException.Message}); set tls_fingerprint to pin a self-signed certificate or verify_tls=false.",
                    PowerErrorKind.CredentialsRejected, false, e);
            }
            catch (HttpRequestException e)
            {
                throw new PowerException($"{_target}: Redfish login failed: {e.Message}", PowerErrorKind.NoResponse, true, e);
            }
            catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new PowerException($"{_target}: Redfish login timed out.", PowerErrorKind.NoResponse, true, e);
            }

            using (response)
            {
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
                {
                    throw new PowerException($"{_target}: credentials rejected for user {_target.Username} (Redfish login: HTTP {(int)response.StatusCode}).",
                        PowerErrorKind.CredentialsRejected, false);
                }

                if (!response.IsSuccessStatusCode || !response.Headers.TryGetValues("X-Auth-Token", out var tokens))
                {
                    throw new PowerException($"{_target}: Redfish login failed: HTTP {(int)response.StatusCode}, no X-Auth-Token.", PowerErrorKind.Rejected, true);
                }

                _token = tokens.First();
                _sessionUri = response.Headers.Location?.ToString();
            }
        }
        finally
        {
            _login.Release();
        }
    }

    private static string? ExtendedMessage(JsonNode? body)
    {
        var error = body?["error"];
        var info = error?["@Message.ExtendedInfo"]?.AsArray().FirstOrDefault()?["Message"]?.GetValue<string>();
        return info ?? error?["message"]?.GetValue<string>();
    }

    private static SocketsHttpHandler CreateHandler(PowerTarget target)
    {
        var pinned = target.Setting("tls_fingerprint")?.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();
        if (pinned is not null && (pinned.Length != 64 || !pinned.All(Uri.IsHexDigit)))
        {
            throw TargetSettings.Misconfigured(target, "tls_fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)");
        }

        var verify = TargetSettings.Bool(target, "verify_tls", true);
        return new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (pinned is not null)
                    {
                        // A pinned certificate is trusted by its exact bytes, whatever its chain says.
                        return certificate is not null && Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())) == pinned;
                    }

                    return !verify || errors == SslPolicyErrors.None;
                },
            },
        };
    }
}
