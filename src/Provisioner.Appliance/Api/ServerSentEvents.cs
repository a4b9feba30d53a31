using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Provisioner.Appliance.Api;

/// <summary>
/// Writes a text/event-stream (WHATWG HTML §9.2 Server-sent events): "event:" + "data:" lines, a blank line per event,
/// and a comment line every 15 s so proxies and the browser keep the connection open.
/// </summary>
public static class ServerSentEvents
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    public static async Task WriteAsync(HttpContext context, IAsyncEnumerable<(string Event, object Data)> events, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var json = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        await context.Response.WriteAsync("retry: 2000\n\n", cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);

        await using var e = events.GetAsyncEnumerator(cancellationToken);
        var next = e.MoveNextAsync().AsTask();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var done = await Task.WhenAny(next, Task.Delay(Heartbeat, cancellationToken));
                if (done != next)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    continue;
                }

                if (!await next)
                {
                    break;
                }

                var (name, data) = e.Current;
                await context.Response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, data.GetType(), json)}\n\n", cancellationToken);
                await context.Response.Body.FlushAsync(cancellationToken);
                next = e.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
        finally
        {
            try
            {
                await next.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
