using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Provisioner.Agent.Protocol;

namespace Provisioner.Imaging.Tests.Agent;

/// <summary>
/// An appliance double on 127.0.0.1 (HttpListener, a free port): answers the agent API from queued tasks, records every
/// call, and serves byte arrays as images. Used by the task-loop tests and the qemu boot test.
/// </summary>
public sealed class FakeAppliance : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly Channel<AgentTask> _tasks = Channel.CreateUnbounded<AgentTask>();
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Channel<RecordedCall> _calls = Channel.CreateUnbounded<RecordedCall>();
    private readonly ConcurrentQueue<RecordedCall> _all = new();

    public FakeAppliance(string token = "test-token")
    {
        Token = token;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>A request the agent made.</summary>
    public sealed record RecordedCall(string Method, string Path, string? Authorization, string Body);

    public string Token { get; set; }

    public int Port { get; }

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    public HelloResponse HelloAnswer { get; set; } = new("node-1", "rack1-n1");

    /// <summary>Longest time a task poll is held before 204 (tests keep it short).</summary>
    public TimeSpan MaxPollHold { get; set; } = TimeSpan.FromSeconds(2);

    public IReadOnlyList<RecordedCall> Calls => _all.ToArray();

    public void Enqueue(AgentTask task) => _tasks.Writer.TryWrite(task);

    public void Serve(string path, byte[] content) => _files[path] = content;

    /// <summary>Waits for the next call whose path starts with <paramref name="pathPrefix"/>.</summary>
    public async Task<RecordedCall> WaitForCallAsync(string method, string pathPrefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var call = await _calls.Reader.ReadAsync(cts.Token);
                if (call.Method == method && call.Path.StartsWith(pathPrefix, StringComparison.Ordinal))
                {
                    return call;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No {method} {pathPrefix} within {timeout.TotalSeconds:0} s. Calls: {string.Join(", ", Calls.Select(c => c.Method + " " + c.Path))}");
        }
    }

    public T Deserialize<T>(RecordedCall call, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonSerializer.Deserialize(call.Body, info) ?? throw new InvalidOperationException("empty body");

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or TimeoutException)
        {
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.AbsolutePath;
            string body;
            using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync();
            }

            var call = new RecordedCall(request.HttpMethod, path + request.Url.Query, request.Headers["Authorization"], body);
            _all.Enqueue(call);
            _calls.Writer.TryWrite(call);

            if (request.Headers["Authorization"] != $"Bearer {Token}")
            {
                response.StatusCode = 401;
                return;
            }

            if (_files.TryGetValue(path, out var file))
            {
                response.ContentType = "application/octet-stream";
                response.ContentLength64 = file.Length;
                await response.OutputStream.WriteAsync(file);
                return;
            }

            switch (request.HttpMethod, path)
            {
                case ("POST", AgentApi.Hello):
                    await WriteJsonAsync(response, JsonSerializer.Serialize(HelloAnswer, AgentJsonContext.Default.HelloResponse));
                    return;
                case ("GET", AgentApi.Task):
                    var wait = TimeSpan.FromSeconds(int.TryParse(request.QueryString["waitSeconds"], out var s) ? s : 0);
                    using (var cts = new CancellationTokenSource(wait < MaxPollHold ? wait : MaxPollHold))
                    {
                        try
                        {
                            var task = await _tasks.Reader.ReadAsync(cts.Token);
                            await WriteJsonAsync(response, JsonSerializer.Serialize(task, AgentJsonContext.Default.AgentTask));
                        }
                        catch (OperationCanceledException)
                        {
                            response.StatusCode = 204;
                        }
                    }

                    return;
                default:
                    response.StatusCode = request.HttpMethod is "PUT" or "POST" && path.StartsWith(AgentApi.Prefix, StringComparison.Ordinal) ? 204 : 404;
                    return;
            }
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // the agent went away mid-request
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
            }
        }
    }

    private static async Task WriteJsonAsync(HttpListenerResponse response, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        response.ContentType = "application/json";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
    }
}
