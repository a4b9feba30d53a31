using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Tests.Api;

[Trait("Area", "Api")]
public sealed class NodeApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Roles_ViewerReads_OperatorActs_AdminEdits()
    {
        var (_, bpod, nodes) = await fixture.App.SeedAsync(2, zoneName: "roles", bpodName: "r1");
        using var viewer = fixture.App.Client(fixture.ViewerToken);
        using var op = fixture.App.Client(fixture.OperatorToken);
        using var admin = fixture.App.Client(fixture.AdminToken);

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync($"/api/v1/nodes/{nodes[0].Id}")).StatusCode);
        var denied = await viewer.PostAsync($"/api/v1/nodes/{nodes[0].Id}/power/on", null);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var problem = await TestAppliance.JsonAsync(denied);
        Assert.Contains("operator", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await op.PostAsync($"/api/v1/nodes/{nodes[0].Id}/power/on", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.PostAsJsonAsync("/api/v1/zones", new { name = "nope" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync("/api/v1/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.DeleteAsync($"/api/v1/nodes/{nodes[1].Id}")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/v1/zones", new { name = "roles-admin-zone" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/nodes/{nodes[1].Id}")).StatusCode);
        _ = bpod;
    }

    [Fact]
    public async Task Get_NeverReturnsBmcSecret()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "secret", bpodName: "r1");
        using var admin = fixture.App.Client(fixture.AdminToken);
        var text = await (await admin.GetAsync($"/api/v1/nodes/{nodes[0].Id}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("bmc-secret", text, StringComparison.Ordinal);
        Assert.Contains("\"hasSecret\":true", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteImage_WhileANodeIsDeployingWithIt_Refused409NamingTheNode()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "busyimg", bpodName: "r1");
        using var admin = fixture.App.Client(fixture.AdminToken);
        var registered = await admin.PostAsJsonAsync("/api/v1/images",
            new { name = "busy-image", format = "raw", sha256 = new string('a', 64), location = "http://images.example/busy.img", sizeBytes = 1024 });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var deploy = await admin.PostAsJsonAsync($"/api/v1/nodes/{nodes[0].Hostname}/actions/deploy", new { image = "busy-image" });
        Assert.Equal(HttpStatusCode.Accepted, deploy.StatusCode);

        var refused = await admin.DeleteAsync("/api/v1/images/busy-image");

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(nodes[0].Hostname, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/images/busy-image")).StatusCode);
    }

    [Fact]
    public async Task Deploy_ReadyNode_TransitionsRecordsHistoryAuditAndSubmitsJob()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "deploy", bpodName: "r1");
        using var op = fixture.App.Client(fixture.OperatorToken);
        var r = await op.PostAsJsonAsync($"/api/v1/nodes/{nodes[0].Hostname}/actions/deploy", new { image = "ubuntu-24.04" });
        Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        var body = await TestAppliance.JsonAsync(r);
        Assert.Equal("deploying", body.GetProperty("node").GetProperty("state").GetString());
        var jobId = body.GetProperty("job").GetProperty("id").GetGuid();
        Assert.Equal("deploy", body.GetProperty("job").GetProperty("kind").GetString());

        var stored = await fixture.App.Store.Nodes.GetAsync(nodes[0].Id, default);
        Assert.Equal(NodeState.Deploying, stored!.State);
        Assert.Equal("ubuntu-24.04", stored.Deploy.Image);
        var history = await fixture.App.Store.Nodes.GetHistoryAsync(nodes[0].Id, 10, default);
        Assert.Contains(history, h => h.Kind == "transition" && h.FromState == NodeState.Ready && h.ToState == NodeState.Deploying && h.Actor == "oscar");
        var audit = await fixture.App.Store.Audit.ListAsync("node", nodes[0].Id.ToString(), new PageRequest(), default);
        Assert.Contains(audit.Items, a => a.Action == "node.deploy" && a.Actor == "oscar");
        var job = await fixture.App.Jobs.GetAsync(jobId, default);
        Assert.Equal(nodes[0].Id, job!.NodeId);
        Assert.Contains("ubuntu-24.04", job.ParametersJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Action_NotAllowedInState_Returns409WithAllowedActions()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "invalid", bpodName: "r1", state: NodeState.New);
        using var op = fixture.App.Client(fixture.OperatorToken);
        var r = await op.PostAsJsonAsync($"/api/v1/nodes/{nodes[0].Id}/actions/release", new { });
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        var problem = await TestAppliance.JsonAsync(r);
        Assert.Equal("new", problem.GetProperty("state").GetString());
        var allowed = problem.GetProperty("allowedActions").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(["commission", "mark-broken"], allowed);
        Assert.Equal(0, (await fixture.App.Jobs.ListAsync(new Jobs.JobQuery { NodeId = nodes[0].Id }, default)).Total);
    }

    [Fact]
    public async Task Deploy_UnknownImage_Returns400NamingTheField()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "noimage", bpodName: "r1", image: null);
        using var op = fixture.App.Client(fixture.OperatorToken);
        var r = await op.PostAsJsonAsync($"/api/v1/nodes/{nodes[0].Id}/actions/deploy", new { image = "does-not-exist" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var problem = await TestAppliance.JsonAsync(r);
        Assert.Contains("does-not-exist", problem.GetProperty("errors").GetProperty("image")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(NodeState.Ready, (await fixture.App.Store.Nodes.GetAsync(nodes[0].Id, default))!.State);
    }

    [Fact]
    public async Task Update_WithStaleVersion_Returns409Concurrency()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "stale", bpodName: "r1");
        using var admin = fixture.App.Client(fixture.AdminToken);
        var first = await admin.PatchAsJsonAsync($"/api/v1/nodes/{nodes[0].Id}", new { tags = new[] { "gpu" }, version = nodes[0].Version });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await admin.PatchAsJsonAsync($"/api/v1/nodes/{nodes[0].Id}", new { tags = new[] { "ssd" }, version = nodes[0].Version });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.EndsWith("concurrency", (await TestAppliance.JsonAsync(second)).GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_InvalidFields_Returns400WithEveryProblem()
    {
        using var admin = fixture.App.Client(fixture.AdminToken);
        var r = await admin.PostAsJsonAsync("/api/v1/nodes", new
        {
            hostname = "-bad-",
            interfaces = new[] { new { mac = "zz:zz" } },
            bmc = new { driver = "telepathy" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var errors = (await TestAppliance.JsonAsync(r)).GetProperty("errors");
        foreach (var field in new[] { "hostname", "bpodId", "interfaces[0].mac", "bmc.driver" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
    }

    [Fact]
    public async Task Post_MalformedJson_Returns400ProblemDetails()
    {
        using var admin = fixture.App.Client(fixture.AdminToken);
        var r = await admin.PostAsync("/api/v1/zones", new StringContent("{\"name\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Duplicate_Mac_Enlist_Returns409()
    {
        var (_, bpod, nodes) = await fixture.App.SeedAsync(1, zoneName: "dup", bpodName: "r1");
        using var op = fixture.App.Client(fixture.OperatorToken);
        var r = await op.PostAsJsonAsync("/api/v1/nodes/enlist", new { mac = nodes[0].Interfaces[0].Mac.ToString().ToUpperInvariant(), bpodId = bpod.Id });
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        Assert.Contains(nodes[0].Hostname, (await TestAppliance.JsonAsync(r)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enlist_ByMac_NamesNodeFromPatternWithNextSlot()
    {
        var (_, bpod, _) = await fixture.App.SeedAsync(2, zoneName: "enl", bpodName: "r7");
        using var op = fixture.App.Client(fixture.OperatorToken);
        var r = await op.PostAsJsonAsync("/api/v1/nodes/enlist", new { mac = "52-54-00-AB-CD-EF", bpodId = bpod.Id });
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var node = await TestAppliance.JsonAsync(r);
        Assert.Equal("enl-r7-03", node.GetProperty("hostname").GetString());
        Assert.Equal("52:54:00:ab:cd:ef", node.GetProperty("interfaces")[0].GetProperty("mac").GetString());
        Assert.Equal("new", node.GetProperty("state").GetString());
    }

    [Fact]
    public async Task List_PagesAndSearchesByMacIpSerial()
    {
        var (_, bpod, nodes) = await fixture.App.SeedAsync(25, zoneName: "paging", bpodName: "r1");
        using var viewer = fixture.App.Client(fixture.ViewerToken);
        var page1 = await TestAppliance.JsonAsync(await viewer.GetAsync($"/api/v1/nodes?bpodId={bpod.Id}&limit=10"));
        var page3 = await TestAppliance.JsonAsync(await viewer.GetAsync($"/api/v1/nodes?bpodId={bpod.Id}&limit=10&offset=20"));
        Assert.Equal(25, page1.GetProperty("total").GetInt64());
        Assert.Equal(10, page1.GetProperty("items").GetArrayLength());
        Assert.Equal(5, page3.GetProperty("items").GetArrayLength());
        Assert.Equal("paging-r1-01", page1.GetProperty("items")[0].GetProperty("hostname").GetString());

        var target = nodes[16];
        foreach (var term in new[] { target.Interfaces[0].Mac.ToHyphenString(), target.AssignedIp!.ToString(), "SN" + target.HardwareFactsJson!.Split("SN")[1][..7] })
        {
            var found = await TestAppliance.JsonAsync(await viewer.GetAsync($"/api/v1/nodes?bpodId={bpod.Id}&search={Uri.EscapeDataString(term)}"));
            Assert.Contains(found.GetProperty("items").EnumerateArray(), n => n.GetProperty("hostname").GetString() == target.Hostname);
        }

        var bad = await viewer.GetAsync("/api/v1/nodes?limit=5000");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.True((await TestAppliance.JsonAsync(bad)).GetProperty("errors").TryGetProperty("limit", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await viewer.GetAsync("/api/v1/nodes?state=sleeping")).StatusCode);
    }

    [Fact]
    public async Task Bulk_ByBpod_ActsOnEachAndReportsRefusals()
    {
        var (_, bpod, nodes) = await fixture.App.SeedAsync(3, zoneName: "bulk", bpodName: "r1");
        var broken = nodes[2] with { State = NodeState.Broken, StateReason = "psu" };
        await fixture.App.Store.Nodes.UpdateAsync(broken, default);
        using var op = fixture.App.Client(fixture.OperatorToken);
        var r = await op.PostAsJsonAsync("/api/v1/nodes/bulk", new { action = "deploy", bpodId = bpod.Id, image = "ubuntu-24.04" });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var result = await TestAppliance.JsonAsync(r);
        Assert.Equal(3, result.GetProperty("matched").GetInt32());
        Assert.Equal(2, result.GetProperty("succeeded").GetInt32());
        var refused = result.GetProperty("results").EnumerateArray().Single(x => !x.GetProperty("ok").GetBoolean());
        Assert.Equal(nodes[2].Hostname, refused.GetProperty("hostname").GetString());

        var none = await op.PostAsJsonAsync("/api/v1/nodes/bulk", new { action = "deploy" });
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
    }

    [Fact]
    public async Task History_And_Timeline_AreReturnedInOrder()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "timeline", bpodName: "r1");
        var mac = nodes[0].Interfaces[0].Mac;
        var t0 = DateTimeOffset.UtcNow;
        await fixture.App.Store.BootEvents.AppendAsync(new Core.Boot.BootEvent { At = t0, Mac = mac, Source = Core.Boot.BootEventSource.Dhcp, Kind = "discover", Summary = "DISCOVER from PXE client arch 7" }, default);
        await fixture.App.Store.BootEvents.AppendAsync(new Core.Boot.BootEvent { At = t0.AddSeconds(1), NodeId = nodes[0].Id, Source = Core.Boot.BootEventSource.Tftp, Kind = "tftp-transfer", Summary = "ipxe.efi sent" }, default);
        using var viewer = fixture.App.Client(fixture.ViewerToken);
        var timeline = await TestAppliance.JsonAsync(await viewer.GetAsync($"/api/v1/nodes/{mac}/timeline"));
        Assert.Equal(["discover", "tftp-transfer"], timeline.EnumerateArray().Select(e => e.GetProperty("kind").GetString()!).ToArray());
        Assert.Equal("dhcp", timeline[0].GetProperty("source").GetString());
    }
}
