using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>The REST API as the CLI uses it: JSON in and out, problem details turned into exit codes and messages.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string? _token;

    public ApiClient(string url, string? token, TimeSpan? timeout = null)
    {
        _token = token;
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{url}' is not an http(s) URL of an appliance (e.g. http://10.0.0.5:8080).");
        }

        _http = new HttpClient { BaseAddress = baseUri, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("provisioner-cli", "1"));
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>The same appliance and token without a request timeout: image uploads last as long as the link needs.</summary>
    public ApiClient WithoutTimeout() => new(BaseAddress.ToString(), _token, Timeout.InfiniteTimeSpan);

    public HttpClient Http => _http;

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonElement> PatchAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Patch, path, body, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Content = content ?? (body is null ? null : JsonContent.Create(body));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Failed, $"Cannot reach the appliance at {_http.BaseAddress}: {ex.Message}. Check the URL ('provisioner login --url') and that it is running.");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.IsSuccessStatusCode)
            {
                return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            }

            throw ToException(response.StatusCode, text);
        }
    }

    public static CliException ToException(HttpStatusCode status, string body)
    {
        var message = $"HTTP {(int)status}";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var sb = new StringBuilder();
            sb.Append(root.TryGetProperty("title", out var title) ? title.GetString() : message);
            if (root.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 } d)
            {
                sb.Append(": ").Append(d);
            }

            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in errors.EnumerateObject())
                {
                    foreach (var problem in field.Value.EnumerateArray())
                    {
                        sb.AppendLine().Append("  ").Append(field.Name).Append(": ").Append(problem.GetString());
                    }
                }
            }

            if (root.TryGetProperty("allowedActions", out var allowed))
            {
                sb.AppendLine().Append("  allowed now: ").Append(string.Join(", ", allowed.EnumerateArray().Select(a => a.GetString())));
            }

            message = sb.ToString();
        }
        catch (JsonException)
        {
        }

        var code = status switch
        {
            HttpStatusCode.Unauthorized => ExitCodes.Auth,
            HttpStatusCode.Forbidden => ExitCodes.Auth,
            HttpStatusCode.NotFound => ExitCodes.NotFound,
            HttpStatusCode.Conflict => ExitCodes.Conflict,
            HttpStatusCode.BadRequest => ExitCodes.Usage,
            _ => ExitCodes.Failed,
        };
        if (status == HttpStatusCode.Unauthorized)
        {
            message += Environment.NewLine + "  Run 'provisioner login' again (the token may be revoked or expired).";
        }

        return new CliException(code, message);
    }

    public void Dispose() => _http.Dispose();
}
