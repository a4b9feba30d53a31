using System.Net;
using System.Text.Json.Nodes;

namespace Provisioner.Appliance.Tests.Power;

/// <summary>
/// /api/v1/power-requests on the real appliance: a power job on a manual node asks an operator; the operator confirms
/// (the node's power state follows, audited) or dismisses; errors say what is wrong.
/// </summary>
[Trait("Area", "Api")]
public sealed class PowerRequestApiTests(ManualPowerAppliance appliance) : IClassFixture<ManualPowerAppliance>
{
    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? "";

    [Fact]
    public async Task PowerOnJob_ManualNode_AsksTheOperatorAndTheJobLogSaysSo()
    {
        var (host, id) = await appliance.ManualNodeAsync("rack 3, U10: power button on the left");

        var (jobId, request) = await appliance.PowerAndWaitForRequestAsync(host, "on");

        Assert.Equal("power on", Text(request["what"]));
        Assert.Equal("rack 3, U10: power button on the left", Text(request["instructions"]));
        Assert.Equal("on", Text(request["action"]));
        Assert.Equal("pending", Text(request["status"]));
        Assert.Equal((host, id), (Text(request["hostname"]), Text(request["nodeId"])));
        Assert.Equal(Text(request["id"]), Text((await appliance.Viewer.GetAsync($"api/v1/power-requests/{Text(request["id"])}"))["id"]));

        var job = await appliance.Admin.WaitForAsync($"api/v1/jobs/{jobId}", j => Text(j["state"]) is "succeeded" or "failed", TimeSpan.FromSeconds(30));
        Assert.Equal("succeeded", Text(job["state"]));
        var log = (await appliance.Admin.GetAsync($"api/v1/jobs/{jobId}/log")).AsArray().Select(l => Text(l!["text"])).ToList();
        Assert.Contains($"node {host}: waiting for an operator: power on (shown on the dashboard, Power requests)", log);
        // Nothing is confirmed until the operator says so.
        Assert.Equal("unknown", Text((await appliance.Admin.GetAsync($"api/v1/nodes/{host}"))["powerState"]));
    }

    [Fact]
    public async Task Confirm_ByOperator_NodeIsOnInItsHistoryAndAudit_ASecondConfirmIs409()
    {
        var (host, _) = await appliance.ManualNodeAsync("rack 3, U11");
        var (_, request) = await appliance.PowerAndWaitForRequestAsync(host, "on");
        var requestId = Text(request["id"]);

        using (var denied = await appliance.Viewer.Http.PostAsync($"api/v1/power-requests/{requestId}/confirm", null))
        {
            Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        }

        var done = await appliance.Operator.PostAsync($"api/v1/power-requests/{requestId}/confirm", new { });

        Assert.Equal(("done", "oscar"), (Text(done["status"]), Text(done["resolvedBy"])));
        Assert.Equal("on", Text((await appliance.Admin.GetAsync($"api/v1/nodes/{host}"))["powerState"]));
        var history = (await appliance.Admin.GetAsync($"api/v1/nodes/{host}/history")).AsArray();
        Assert.Contains(history, h => Text(h!["kind"]) == "power" && Text(h["actor"]) == "oscar" && Text(h["message"]).Contains("power unknown -> on", StringComparison.Ordinal));
        var audit = (await appliance.Admin.GetAsync($"api/v1/audit?objectType=power-request&objectId={requestId}"))["items"]!.AsArray();
        var entry = Assert.Single(audit);
        Assert.Equal(("power-request.confirm", "oscar", $"{host}: power on"), (Text(entry!["action"]), Text(entry["actor"]), Text(entry["details"])));

        using var again = await appliance.Operator.Http.PostAsync($"api/v1/power-requests/{requestId}/confirm", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var problem = await again.Content.ReadAsStringAsync();
        Assert.Contains($"{requestId} is already done (by oscar at", problem, StringComparison.Ordinal);
        Assert.Contains($"power on on {host}; nothing changed", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dismiss_PowerStateUnchanged_ListsFilterByStatusAndNode()
    {
        var (host, _) = await appliance.ManualNodeAsync("rack 3, U12");
        var (_, request) = await appliance.PowerAndWaitForRequestAsync(host, "off");
        var requestId = Text(request["id"]);

        var dismissed = await appliance.Operator.PostAsync($"api/v1/power-requests/{requestId}/dismiss", new { });

        Assert.Equal(("dismissed", "oscar"), (Text(dismissed["status"]), Text(dismissed["resolvedBy"])));
        Assert.Equal("unknown", Text((await appliance.Admin.GetAsync($"api/v1/nodes/{host}"))["powerState"]));
        Assert.Empty((await appliance.Viewer.GetAsync($"api/v1/power-requests?status=pending&node={host}"))["items"]!.AsArray());
        var resolved = (await appliance.Viewer.GetAsync($"api/v1/power-requests?status=dismissed&node={host}"))["items"]!.AsArray();
        Assert.Equal([requestId], resolved.Select(r => Text(r!["id"])));
        using var dismissAgain = await appliance.Operator.Http.PostAsync($"api/v1/power-requests/{requestId}/dismiss", null);
        Assert.Equal(HttpStatusCode.Conflict, dismissAgain.StatusCode);
    }

    [Fact]
    public async Task Errors_UnknownRequestIs404_BadStatusIs400_UnknownNodeIs404()
    {
        using var unknown = await appliance.Operator.Http.PostAsync($"api/v1/power-requests/{Guid.NewGuid()}/confirm", null);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("No operator request", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var missing = await appliance.Viewer.Http.GetAsync($"api/v1/power-requests/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        using var badStatus = await appliance.Viewer.Http.GetAsync("api/v1/power-requests?status=sideways");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Contains("pending, done, dismissed", await badStatus.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var noNode = await appliance.Viewer.Http.GetAsync("api/v1/power-requests?node=no-such-node");
        Assert.Equal(HttpStatusCode.NotFound, noNode.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesThePowerRequestRoutes()
    {
        using var http = new HttpClient();
        var doc = JsonNode.Parse(await http.GetStringAsync(new Uri(appliance.Process.BaseUrl + "/openapi/v1.json")))!;
        var paths = doc["paths"]!.AsObject();

        Assert.NotNull(paths["/api/v1/power-requests"]?["get"]);
        Assert.Equal("ConfirmPowerRequest", Text(paths["/api/v1/power-requests/{id}/confirm"]?["post"]?["operationId"]));
        Assert.Equal("DismissPowerRequest", Text(paths["/api/v1/power-requests/{id}/dismiss"]?["post"]?["operationId"]));
        Assert.NotNull(doc["components"]!["schemas"]!["PowerRequestDto"]);
    }
}
