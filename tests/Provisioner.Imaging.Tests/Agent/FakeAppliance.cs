using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Provisioner.Agent.Protocol;

namespace Provisioner.Imaging.Tests.Agent;

/// <summary>
/// An appliance double on 127.0.0.1 (port 0): answers the agent API from queued tasks, records every call, and serves
/// byte arrays as images. A minimal HTTP/1.1 server over a TcpListener (one request per connection, Content-Length or
/// chunked bodies) because a guest in qemu reaches it under another Host name, which HttpListener would refuse.
/// </summary>
public sealed class FakeAppliance : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Channel<AgentTask> _tasks = Channel.CreateUnbounded<AgentTask>();
    private readonly ConcurrentDictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Channel<RecordedCall> _calls = Channel.CreateUnbounded<RecordedCall>();
    private readonly ConcurrentQueue<RecordedCall> _all = new();

    public FakeAppliance(string token = "test-token")
    {
        Token = token;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
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
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or TimeoutException or OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;
        try
        {
            var stream = client.GetStream();
            var reader = new HttpReader(stream);
            var requestLine = await reader.ReadLineAsync(ct);
            var parts = requestLine.Split(' ');
            if (parts.Length != 3)
            {
                return;
            }

            var (method, target) = (parts[0], parts[1]);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var line = await reader.ReadLineAsync(ct); line.Length > 0; line = await reader.ReadLineAsync(ct))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                }
            }

            byte[] body = [];
            if (headers.TryGetValue("Content-Length", out var length))
            {
                body = await reader.ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture), ct);
            }
            else if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            {
                body = await reader.ReadChunkedAsync(ct);
            }

            var call = new RecordedCall(method, target, headers.GetValueOrDefault("Authorization"), Encoding.UTF8.GetString(body));
            _all.Enqueue(call);
            _calls.Writer.TryWrite(call);
            var (status, contentType, content) = await AnswerAsync(method, target, headers, ct);
            var head = new StringBuilder()
                .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {(status switch { 200 => "OK", 204 => "No Content", 401 => "Unauthorized", _ => "Not Found" })}\r\n")
                .Append("Connection: close\r\n");
            if (status != 204)
            {
                head.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {content.Length}\r\n");
            }

            head.Append("\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
            if (status != 204)
            {
                await stream.WriteAsync(content, ct);
            }

            await stream.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or FormatException or ObjectDisposedException)
        {
            // The agent went away mid-request, or the test ended.
        }
    }

    private async Task<(int Status, string ContentType, byte[] Content)> AnswerAsync(string method, string target, Dictionary<string, string> headers, CancellationToken ct)
    {
        if (headers.GetValueOrDefault("Authorization") != $"Bearer {Token}")
        {
            return (401, "text/plain", "token rejected"u8.ToArray());
        }

        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        if (method == "GET" && _files.TryGetValue(path, out var file))
        {
            return (200, "application/octet-stream", file);
        }

        if (method == "POST" && path == AgentApi.Hello)
        {
            return (200, "application/json", JsonSerializer.SerializeToUtf8Bytes(HelloAnswer, AgentJsonContext.Default.HelloResponse));
        }

        if (method == "GET" && path == AgentApi.Task)
        {
            var wait = TimeSpan.FromSeconds(query >= 0 && int.TryParse(System.Web.HttpUtility.ParseQueryString(target[query..])["waitSeconds"], out var s) ? s : 0);
            using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
            hold.CancelAfter(wait < MaxPollHold ? wait : MaxPollHold);
            try
            {
                var task = await _tasks.Reader.ReadAsync(hold.Token);
                return (200, "application/json", JsonSerializer.SerializeToUtf8Bytes(task, AgentJsonContext.Default.AgentTask));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return (204, string.Empty, []);
            }
        }

        return method is "PUT" or "POST" && path.StartsWith(AgentApi.Prefix, StringComparison.Ordinal) ? (204, string.Empty, []) : (404, "text/plain", []);
    }

    /// <summary>Reads CRLF lines and bodies from a connection, buffering what it over-reads.</summary>
    private sealed class HttpReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16384];
        private int _start;
        private int _end;

        public async Task<string> ReadLineAsync(CancellationToken ct)
        {
            var line = new List<byte>();
            while (true)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new IOException("connection closed");
                }

                var b = _buffer[_start++];
                if (b == '\n')
                {
                    return Encoding.ASCII.GetString(line.ToArray()).TrimEnd('\r');
                }

                if (line.Count > 8192)
                {
                    throw new FormatException("header line too long");
                }

                line.Add(b);
            }
        }

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
        {
            if (count is < 0 or > 64 << 20)
            {
                throw new FormatException("bad length");
            }

            var result = new byte[count];
            var done = 0;
            while (done < count)
            {
                if (_start == _end && !await FillAsync(ct))
                {
                    throw new IOException("connection closed");
                }

                var n = Math.Min(count - done, _end - _start);
                Array.Copy(_buffer, _start, result, done, n);
                _start += n;
                done += n;
            }

            return result;
        }

        public async Task<byte[]> ReadChunkedAsync(CancellationToken ct)
        {
            // RFC 9112 §7.1: hex size line, data, CRLF; a zero size ends the body (then optional trailers and CRLF).
            using var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync(ct);
                var size = int.Parse(sizeLine.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (size == 0)
                {
                    while ((await ReadLineAsync(ct)).Length > 0)
                    {
                    }

                    return body.ToArray();
                }

                body.Write(await ReadExactlyAsync(size, ct));
                await ReadLineAsync(ct);
            }
        }

        private async Task<bool> FillAsync(CancellationToken ct)
        {
            _start = 0;
            _end = await stream.ReadAsync(_buffer, ct);
            return _end > 0;
        }
    }
}
