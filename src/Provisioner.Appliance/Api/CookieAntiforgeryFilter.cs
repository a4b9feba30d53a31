using Microsoft.AspNetCore.Antiforgery;
using Provisioner.Appliance.Identity;

namespace Provisioner.Appliance.Api;

/// <summary>
/// The dashboard's scripts call the API with the session cookie; a change made that way must carry the page's anti-forgery
/// token (header "RequestVerificationToken"), so another site cannot ride the cookie. Bearer-token calls need no token.
/// </summary>
public sealed class CookieAntiforgeryFilter(IAntiforgery antiforgery) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && http.User.UsesCookie()
            && !await antiforgery.IsRequestValidAsync(http))
        {
            return TypedResults.Problem("Changes from the dashboard must carry the page's anti-forgery token (header RequestVerificationToken); reload the page.",
                statusCode: 400, title: "Missing anti-forgery token", type: ApiExceptionFilter.ProblemBase + "antiforgery");
        }

        return await next(context);
    }
}
