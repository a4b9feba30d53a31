using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Tests.Api;

[Trait("Area", "Api")]
public sealed class AuthenticationTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private static readonly HashSet<string> Anonymous = ["/api/v1/setup", "/api/v1/auth/login", "/openapi/v1.json"];

    [Fact]
    public async Task EveryApiRoute_WithoutCredentials_Returns401ProblemDetails()
    {
        var routes = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1", StringComparison.Ordinal))
            .Where(e => !Anonymous.Contains(e.RoutePattern.RawText!))
            .ToList();
        Assert.True(routes.Count > 40, $"only {routes.Count} API routes found");
        using var client = fixture.App.Client();
        foreach (var route in routes)
        {
            Assert.Null(route.Metadata.GetMetadata<IAllowAnonymous>());
            var method = route.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods[0];
            var path = System.Text.RegularExpressions.Regex.Replace(route.RoutePattern.RawText!, @"\{([^}:]+)(:int)?[^}]*\}",
                m => m.Groups[2].Success ? "1" : Guid.NewGuid().ToString());
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (route.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>() is { } accepts)
            {
                request.Content = new ByteArrayContent([1, 2, 3]);
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(accepts.ContentTypes[0]);
            }
            else if (method is "POST" or "PATCH" or "PUT")
            {
                request.Content = JsonContent.Create(new { });
            }

            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task BearerToken_Revoked_IsRefused()
    {
        var token = await fixture.App.TokenForAsync(UserRole.Viewer);
        using var client = fixture.App.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/auth/whoami")).StatusCode);
        var tokens = await TestAppliance.JsonAsync(await client.GetAsync("/api/v1/tokens"));
        var id = tokens.EnumerateArray().Single().GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/whoami")).StatusCode);
    }

    [Fact]
    public async Task BearerToken_Garbage_IsRefusedWithoutLookup()
    {
        using var client = fixture.App.Client("not-a-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/nodes")).StatusCode);
        using var client2 = fixture.App.Client("prv_" + new string('x', 43));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client2.GetAsync("/api/v1/nodes")).StatusCode);
    }

    [Fact]
    public async Task Token_OfDisabledUser_IsRefused()
    {
        var token = await fixture.App.TokenForAsync(UserRole.Operator, "to-disable");
        var user = await fixture.App.Store.Users.FindByNameAsync("to-disable", default);
        await fixture.App.Store.Users.UpdateAsync(user! with { Disabled = true }, default);
        using var client = fixture.App.Client(token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/nodes")).StatusCode);
    }

    [Fact]
    public async Task Login_WithPassword_IssuesWorkingTokenShownOnce()
    {
        await fixture.App.TokenForAsync(UserRole.Operator, "login-user");
        using var anonymous = fixture.App.Client();
        var response = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { name = "login-user", password = TestAppliance.Password, tokenName = "laptop" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await TestAppliance.JsonAsync(response);
        var secret = body.GetProperty("secret").GetString()!;
        Assert.StartsWith("prv_", secret, StringComparison.Ordinal);

        using var client = fixture.App.Client(secret);
        var who = await TestAppliance.JsonAsync(await client.GetAsync("/api/v1/auth/whoami"));
        Assert.Equal("login-user", who.GetProperty("name").GetString());
        Assert.Equal("operator", who.GetProperty("role").GetString());

        // The listing never contains the secret or its hash.
        var listing = await (await client.GetAsync("/api/v1/tokens")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(secret, listing, StringComparison.Ordinal);
        Assert.DoesNotContain(Provisioner.Appliance.Identity.ApiTokenCodec.HashOf(secret), listing, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_RepeatedFailures_AreThrottledAndAudited()
    {
        await fixture.App.TokenForAsync(UserRole.Viewer, "throttled-user");
        using var anonymous = fixture.App.Client();
        for (var i = 0; i < 5; i++)
        {
            var r = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { name = "throttled-user", password = "wrong password " + i });
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        // Even the right password is refused while throttled.
        var blocked = await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { name = "throttled-user", password = TestAppliance.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.NotNull(blocked.Headers.RetryAfter);

        var audit = await fixture.App.Store.Audit.ListAsync("user", "throttled-user", new PageRequest(0, 100), default);
        Assert.Equal(5, audit.Items.Count(a => a.Action == "sign-in.failed"));
        Assert.Contains(audit.Items, a => a.Action == "sign-in.throttled");
    }

    [Fact]
    public async Task Setup_WhenUsersExist_IsRefused()
    {
        using var anonymous = fixture.App.Client();
        var status = await TestAppliance.JsonAsync(await anonymous.GetAsync("/api/v1/setup"));
        Assert.False(status.GetProperty("setupRequired").GetBoolean());
        var r = await anonymous.PostAsJsonAsync("/api/v1/setup", new { name = "mallory", password = "a very long password" });
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        Assert.Null(await fixture.App.Store.Users.FindByNameAsync("mallory", default));
    }

    [Fact]
    public async Task OpenApi_IsAnonymousAndListsEveryApiRoute()
    {
        using var anonymous = fixture.App.Client();
        var doc = await TestAppliance.JsonAsync(await anonymous.GetAsync("/openapi/v1.json"));
        Assert.Equal("3.0.3", doc.GetProperty("openapi").GetString());
        var paths = doc.GetProperty("paths");
        var routes = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1", StringComparison.Ordinal));
        foreach (var route in routes)
        {
            var path = System.Text.RegularExpressions.Regex.Replace(route.RoutePattern.RawText!.TrimEnd('/'), @"\{([^}:]+)[^}]*\}", "{$1}");
            var method = route.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods[0].ToLowerInvariant();
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out _), $"{method} {path} missing from OpenAPI");
        }

        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty("NodeDto", out _));
    }
}

[Trait("Area", "Api")]
public sealed class FirstAdminSetupTests
{
    [Fact]
    public async Task Setup_OnFreshAppliance_CreatesAdminOnce()
    {
        await using var app = await TestAppliance.StartAsync();
        using var anonymous = app.Client();
        var weak = await anonymous.PostAsJsonAsync("/api/v1/setup", new { name = "root", password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);

        var ok = await anonymous.PostAsJsonAsync("/api/v1/setup", new { name = "root", password = "a long enough password" });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var again = await anonymous.PostAsJsonAsync("/api/v1/setup", new { name = "root2", password = "a long enough password" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var user = await app.Store.Users.FindByNameAsync("root", default);
        Assert.Equal(UserRole.Admin, user!.Role);
        Assert.StartsWith("pbkdf2-sha256$210000$", user.PasswordHash, StringComparison.Ordinal);
    }
}
