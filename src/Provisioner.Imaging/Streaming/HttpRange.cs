using System.Net;
using System.Net.Http.Headers;

namespace Provisioner.Imaging.Streaming;

/// <summary>GETs of a whole resource or of a byte range (RFC 9110 §14), with the response checked before any byte is used.</summary>
internal static class HttpRange
{
    /// <summary>Sends GET; <paramref name="from"/> &gt; 0 or a <paramref name="toInclusive"/> asks for a range.</summary>
    // validator: ETag or Last-Modified of the first response, sent as If-Range so a changed image answers 200 (full
    // body) instead of splicing two versions together: we then refuse it (RFC 9110 §13.1.5).
    public static async Task<HttpResponseMessage> GetAsync(HttpClient client, Uri uri, long from, long? toInclusive,
        RangeConditionHeaderValue? validator, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        bool ranged = from > 0 || toInclusive is not null;
        if (ranged)
        {
            request.Headers.Range = new RangeHeaderValue(from, toInclusive);
            request.Headers.IfRange = validator;
        }
        // Compressed images must arrive byte-exact: no transparent content-coding.
        request.Headers.AcceptEncoding.Clear();
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new TransientNetworkException($"GET {uri}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new TransientNetworkException($"GET {uri}: timed out", ex);
        }
        try
        {
            Check(response, uri, ranged, from, toInclusive);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static void Check(HttpResponseMessage response, Uri uri, bool ranged, long from, long? toInclusive)
    {
        var status = response.StatusCode;
        if ((int)status >= 500 || status == HttpStatusCode.TooManyRequests || status == HttpStatusCode.RequestTimeout)
        {
            throw new TransientNetworkException($"GET {uri}: server answered {(int)status} {response.ReasonPhrase}");
        }
        if (!ranged)
        {
            if (status != HttpStatusCode.OK)
            {
                throw new ImageException(ImageErrorKind.Http, $"GET {uri}: server answered {(int)status} {response.ReasonPhrase}");
            }
            return;
        }
        if (status == HttpStatusCode.OK)
        {
            throw new ImageException(ImageErrorKind.Http,
                $"GET {uri} bytes={from}-{toInclusive}: server ignored the range or the image changed since the first request (200 instead of 206)");
        }
        if (status != HttpStatusCode.PartialContent)
        {
            throw new ImageException(ImageErrorKind.Http,
                $"GET {uri} bytes={from}-{toInclusive}: server answered {(int)status} {response.ReasonPhrase}");
        }
        var cr = response.Content.Headers.ContentRange;
        if (cr is null || cr.From != from || (toInclusive is { } to && cr.To != to))
        {
            throw new ImageException(ImageErrorKind.Http,
                $"GET {uri}: asked bytes={from}-{toInclusive}, got Content-Range '{cr}'");
        }
    }

    /// <summary>The validator to pin later ranges to (strong ETag preferred, else Last-Modified).</summary>
    public static RangeConditionHeaderValue? ValidatorOf(HttpResponseMessage response)
    {
        if (response.Headers.ETag is { IsWeak: false } etag)
        {
            return new RangeConditionHeaderValue(etag);
        }
        return response.Content.Headers.LastModified is { } lm ? new RangeConditionHeaderValue(lm) : null;
    }
}

/// <summary>A network failure worth retrying (connection refused/reset, body cut short, 5xx).</summary>
internal sealed class TransientNetworkException : Exception
{
    public TransientNetworkException(string message, Exception? inner = null) : base(message, inner) { }
    public TransientNetworkException() { }
    public TransientNetworkException(string message) : base(message) { }
}
