using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Provisioner.Imaging.Tests.Agent;

/// <summary>
/// Kestrel on 127.0.0.1 (free port) serving files from a temporary directory as the appliance serves images: Range,
/// If-Range and a strong ETag (ASP.NET Core's own range processing), a bearer token when <see cref="Token"/> is set,
/// every request recorded, and responses cut short on demand (<see cref="CutAfter"/>).
/// </summary>
public sealed class KestrelImageServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Served> _requests = new();

    private KestrelImageServer(WebApplication app, string root)
    {
        _app = app;
        Root = root;
    }

    /// <summary>A request as it arrived.</summary>
    /// <param name="Path">Request path.</param>
    /// <param name="Range">The Range header, or null.</param>
    /// <param name="Authorization">The Authorization header, or null.</param>
    public sealed record Served(string Path, string? Range, string? Authorization);

    /// <summary>Files served from here (URL path = relative path).</summary>
    public string Root { get; }

    /// <summary>The bearer token every request must carry; null serves anyone.</summary>
    public string? Token { get; set; }

    /// <summary>Per request: send only this many body bytes, then drop the connection (null = the whole response).</summary>
    public Func<HttpRequest, long?>? CutAfter { get; set; }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<Served> Requests => [.. _requests];

    public static async Task<KestrelImageServer> StartAsync(string? token = null)
    {
        var root = Directory.CreateTempSubdirectory("agent-images-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new KestrelImageServer(app, root) { Token = token };
        app.Use(server.GuardAsync);
        app.MapMethods("/{**path}", ["GET", "HEAD"], (string path) => server.Serve(path));
        await app.StartAsync();
        server.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        return server;
    }

    /// <summary>Serves <paramref name="content"/> at <paramref name="path"/>; returns the absolute URL.</summary>
    public Uri Add(string path, byte[] content)
    {
        var full = System.IO.Path.Combine(Root, path.TrimStart('/'));
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, content);
        return new Uri(BaseUrl, path.TrimStart('/'));
    }

    /// <summary>Serves a copy of <paramref name="file"/> at <paramref name="path"/>.</summary>
    public Uri AddFile(string path, string file) => Add(path, File.ReadAllBytes(file));

    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        _requests.Enqueue(new Served(request.Path.Value ?? "", request.Headers.Range.FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
        if (Token is not null && request.Headers.Authorization.ToString() != "Bearer " + Token)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        if (CutAfter?.Invoke(request) is { } limit)
        {
            context.Response.Body = new CuttingStream(context.Response.Body, limit, context);
        }

        await next(context);
    }

    private IResult Serve(string path)
    {
        var full = System.IO.Path.GetFullPath(System.IO.Path.Combine(Root, path));
        if (!full.StartsWith(Root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(full))
        {
            return Results.NotFound();
        }

        var info = new FileInfo(full);
        var etag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
        return Results.File(full, "application/octet-stream", lastModified: info.LastWriteTimeUtc, entityTag: etag, enableRangeProcessing: true);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Passes <c>limit</c> bytes, then aborts the connection: the client sees a body that stops early.</summary>
    private sealed class CuttingStream(Stream inner, long limit, HttpContext context) : Stream
    {
        private long _written;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var room = (int)Math.Min(buffer.Length, limit - _written);
            if (room > 0)
            {
                await inner.WriteAsync(buffer[..room], cancellationToken);
                _written += room;
            }

            if (room < buffer.Length)
            {
                await inner.FlushAsync(cancellationToken);
                context.Abort();
                throw new IOException("response cut by the test");
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _written; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
