using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Provisioner.TestKit.Imaging;

/// <summary>A request the <see cref="RangeHttpServer"/> answered.</summary>
/// <param name="Number">1-based order of arrival.</param>
/// <param name="Method">GET or HEAD.</param>
/// <param name="Path">Request path.</param>
/// <param name="RangeFrom">First byte asked for (null without a Range header).</param>
/// <param name="RangeTo">Last byte asked for (inclusive), null for open ranges.</param>
/// <param name="Status">Status sent.</param>
public sealed record ServedRequest(int Number, string Method, string Path, long? RangeFrom, long? RangeTo, int Status);

/// <summary>A misbehaviour to inject into one response.</summary>
/// <param name="Status">Answer this status with an empty body instead.</param>
/// <param name="CutAfterBytes">Send the headers and only this many body bytes, then close the connection.</param>
/// <param name="IgnoreRange">Answer 200 with the whole body even when a range was asked for.</param>
public sealed record ServerFault(int? Status = null, long? CutAfterBytes = null, bool IgnoreRange = false);

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 (ephemeral port) serving in-memory files with single byte ranges
/// (RFC 9110 §14: Range, If-Range, 206/416, Content-Range), keep-alive, and injectable faults: the stand-in image
/// server for deploy tests. Records every request and the peak number of concurrent responses.
/// </summary>
public sealed class RangeHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, (byte[] Body, string ETag)> _files = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ServedRequest> _requests = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly Task _acceptLoop;
    private int _requestCount;
    private int _active;
    private int _maxActive;

    /// <summary>Starts listening.</summary>
    public RangeHttpServer()
    {
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>http://127.0.0.1:port/</summary>
    public Uri BaseUri { get; }

    /// <summary>Decides a fault per request (null = behave).</summary>
    public Func<ServedRequest, ServerFault?>? Faults { get; set; }

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ServedRequest> Requests => [.. _requests.OrderBy(r => r.Number)];

    /// <summary>Peak number of responses being sent at the same time.</summary>
    public int MaxConcurrentResponses => Volatile.Read(ref _maxActive);

    /// <summary>Serves <paramref name="body"/> at <paramref name="path"/> (leading slash optional); returns its URL.</summary>
    public Uri Add(string path, byte[] body)
    {
        path = "/" + path.TrimStart('/');
        _files[path] = (body, "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\"");
        return new Uri(BaseUri, path.TrimStart('/'));
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            var task = ServeConnectionAsync(client);
            _connections[task] = 0;
            _ = task.ContinueWith(t => _connections.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        var stream = client.GetStream();
        var buffer = new byte[16 * 1024];
        int buffered = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int end;
                while ((end = buffer.AsSpan(0, buffered).IndexOf("\r\n\r\n"u8)) < 0)
                {
                    if (buffered == buffer.Length)
                    {
                        return; // header too large: drop
                    }
                    int n = await stream.ReadAsync(buffer.AsMemory(buffered), _stop.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }
                    buffered += n;
                }
                string head = Encoding.ASCII.GetString(buffer, 0, end);
                int consumed = end + 4;
                Buffer.BlockCopy(buffer, consumed, buffer, 0, buffered - consumed);
                buffered -= consumed;
                if (!await RespondAsync(stream, head).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException)
        {
            // client went away or server stopping
        }
    }

    /// <summary>Writes one response; false closes the connection.</summary>
    private async Task<bool> RespondAsync(NetworkStream stream, string head)
    {
        var lines = head.Split("\r\n");
        var parts = lines[0].Split(' ');
        if (parts.Length != 3)
        {
            return false;
        }
        string method = parts[0];
        string path = Uri.UnescapeDataString(parts[1].Split('?')[0]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.OrdinalIgnoreCase);
        int number = Interlocked.Increment(ref _requestCount);
        (long From, long? To)? range = ParseRange(headers.GetValueOrDefault("Range"));

        if (!_files.TryGetValue(path, out var file))
        {
            Record(number, method, path, range, 404);
            await WriteHeadAsync(stream, 404, "Not Found", [("Content-Length", "0")]).ConfigureAwait(false);
            return true;
        }
        var fault = Faults?.Invoke(new ServedRequest(number, method, path, range?.From, range?.To, 0));
        if (fault?.Status is { } status)
        {
            Record(number, method, path, range, status);
            await WriteHeadAsync(stream, status, "Injected", [("Content-Length", "0")]).ConfigureAwait(false);
            return true;
        }
        if (range is not null && headers.TryGetValue("If-Range", out var ifRange) && ifRange != file.ETag)
        {
            range = null; // validator changed: whole body (RFC 9110 §13.1.5)
        }
        if (fault?.IgnoreRange == true)
        {
            range = null;
        }
        long length = file.Body.LongLength;
        long from = 0, to = length - 1;
        int code = 200;
        var extra = new List<(string, string)> { ("ETag", file.ETag), ("Accept-Ranges", "bytes") };
        if (range is { } r)
        {
            from = r.From < 0 ? Math.Max(0, length + r.From) : r.From;
            to = r.From < 0 ? length - 1 : Math.Min(r.To ?? length - 1, length - 1);
            if (from >= length || from > to)
            {
                Record(number, method, path, range, 416);
                await WriteHeadAsync(stream, 416, "Range Not Satisfiable", [("Content-Range", $"bytes */{length}"), ("Content-Length", "0")]).ConfigureAwait(false);
                return true;
            }
            code = 206;
            extra.Add(("Content-Range", $"bytes {from}-{to}/{length}"));
        }
        long count = to - from + 1;
        extra.Add(("Content-Length", count.ToString(CultureInfo.InvariantCulture)));
        Record(number, method, path, range, code);
        int active = Interlocked.Increment(ref _active);
        UpdateMax(active);
        try
        {
            await WriteHeadAsync(stream, code, code == 206 ? "Partial Content" : "OK", extra).ConfigureAwait(false);
            if (method == "HEAD")
            {
                return true;
            }
            long limit = fault?.CutAfterBytes is { } cut ? Math.Min(cut, count) : count;
            for (long sent = 0; sent < limit;)
            {
                int n = (int)Math.Min(64 * 1024, limit - sent);
                await stream.WriteAsync(file.Body.AsMemory((int)(from + sent), n), _stop.Token).ConfigureAwait(false);
                sent += n;
            }
            return limit == count;
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private void UpdateMax(int active)
    {
        int seen;
        while (active > (seen = Volatile.Read(ref _maxActive)) && Interlocked.CompareExchange(ref _maxActive, active, seen) != seen)
        {
        }
    }

    private void Record(int number, string method, string path, (long From, long? To)? range, int status)
        => _requests.Enqueue(new ServedRequest(number, method, path, range?.From, range?.To, status));

    /// <summary>bytes=a-b | bytes=a- | bytes=-n (suffix, returned as a negative From). Multiple ranges: ignored.</summary>
    private static (long From, long? To)? ParseRange(string? value)
    {
        if (value is null || !value.StartsWith("bytes=", StringComparison.Ordinal) || value.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }
        var spec = value[6..].Split('-', 2);
        if (spec.Length != 2)
        {
            return null;
        }
        if (spec[0].Length == 0)
        {
            return long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out long suffix) ? (-suffix, null) : null;
        }
        if (!long.TryParse(spec[0], NumberStyles.None, CultureInfo.InvariantCulture, out long from))
        {
            return null;
        }
        if (spec[1].Length == 0)
        {
            return (from, null);
        }
        return long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out long to) ? (from, to) : null;
    }

    private async Task WriteHeadAsync(NetworkStream stream, int code, string reason, IEnumerable<(string Name, string Value)> headers)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {code} {reason}\r\n");
        foreach (var (name, value) in headers)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
        sb.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(sb.ToString()), _stop.Token).ConfigureAwait(false);
    }

    /// <summary>Stops listening and waits for open connections to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.WhenAll(_connections.Keys).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
