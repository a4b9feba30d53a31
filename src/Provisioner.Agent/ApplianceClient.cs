using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Provisioner.Agent.Protocol;

namespace Provisioner.Agent;

/// <summary>The appliance rejected the per-boot token (HTTP 401): the agent must stop, a new boot brings a new token.</summary>
public sealed class TokenRejectedException(string route) : Exception($"the appliance rejected the boot token (401) on {route}; the token is invalid or expired");

/// <summary>The appliance answered with an unexpected status.</summary>
public sealed class ApplianceException(string message, HttpStatusCode? status = null) : Exception(message)
{
    /// <summary>HTTP status, when there was an answer at all.</summary>
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>Typed calls of the agent API (docs/agent-protocol.md), bearer token on every call.</summary>
public sealed class ApplianceClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a client for <paramref name="baseUrl"/>; <paramref name="handler"/> is for tests.</summary>
    public ApplianceClient(Uri baseUrl, string token, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = baseUrl;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("provisioner-agent", AgentInfo.Version));
        // Long polls set their own deadline; everything else is small and fast.
        _http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>Says hello; returns who this node is.</summary>
    public async Task<HelloResponse> HelloAsync(HelloRequest request, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, AgentApi.Hello, request, AgentJsonContext.Default.HelloRequest, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        return await ReadAsync(response, AgentJsonContext.Default.HelloResponse, AgentApi.Hello, ct).ConfigureAwait(false);
    }

    /// <summary>Uploads the hardware facts.</summary>
    public async Task PutFactsAsync(HardwareFacts facts, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Put, AgentApi.Facts, facts, AgentJsonContext.Default.HardwareFacts, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
    }

    /// <summary>Long-polls for the next task; null when the appliance has nothing yet (204).</summary>
    public async Task<AgentTask?> GetTaskAsync(int waitSeconds, CancellationToken ct)
    {
        var route = string.Create(CultureInfo.InvariantCulture, $"{AgentApi.Task}?waitSeconds={waitSeconds}");
        using var response = await SendAsync<object>(HttpMethod.Get, route, null, null, TimeSpan.FromSeconds(waitSeconds + 30), ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        return await ReadAsync(response, AgentJsonContext.Default.AgentTask, AgentApi.Task, ct).ConfigureAwait(false);
    }

    /// <summary>Reports progress of a task.</summary>
    public async Task ReportProgressAsync(string taskId, TaskProgress progress, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, AgentApi.Progress(taskId), progress, AgentJsonContext.Default.TaskProgress, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
    }

    /// <summary>Reports the outcome of a task.</summary>
    public async Task ReportResultAsync(string taskId, TaskResult result, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, AgentApi.Result(taskId), result, AgentJsonContext.Default.TaskResult, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
    }

    /// <summary>Ships log lines.</summary>
    public async Task SendLogAsync(LogBatch batch, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, AgentApi.Log, batch, AgentJsonContext.Default.LogBatch, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> SendAsync<T>(HttpMethod method, string route, T? body, JsonTypeInfo<T>? typeInfo, TimeSpan timeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, route);
        if (body is not null && typeInfo is not null)
        {
            request.Content = JsonContent.Create(body, typeInfo);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ApplianceException($"{method} {route}: no answer within {timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            throw new ApplianceException($"{method} {route}: {e.Message}");
        }

        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new TokenRejectedException(route);
        }

        if (!response.IsSuccessStatusCode)
        {
            var status = response.StatusCode;
            var text = await ReadSnippetAsync(response, ct).ConfigureAwait(false);
            response.Dispose();
            throw new ApplianceException($"{method} {route}: HTTP {(int)status} {text}".TrimEnd(), status);
        }

        return response;
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> typeInfo, string route, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, ct).ConfigureAwait(false)
                ?? throw new ApplianceException($"{route}: empty answer");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ApplianceException($"{route}: malformed answer: {e.Message}");
        }
    }

    private static async Task<string> ReadSnippetAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return text.Length > 300 ? text[..300] : text;
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
    }
}
