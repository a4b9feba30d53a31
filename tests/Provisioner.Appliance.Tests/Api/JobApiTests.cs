using System.Net;
using System.Net.Http.Json;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Tests.Api;

[Trait("Area", "Api")]
public sealed class JobApiTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task JobEvents_StreamProgressUntilSucceeded()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "sse", bpodName: "r1");
        using var op = fixture.App.Client(fixture.OperatorToken);
        var job = await TestAppliance.JsonAsync(await op.PostAsync($"/api/v1/nodes/{nodes[0].Id}/power/cycle", null));
        var id = job.GetProperty("id").GetGuid();

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await op.GetAsync($"/api/v1/jobs/{id}/events", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.True(response.Content.Headers.ContentType?.MediaType == "text/event-stream",
            $"{(int)response.StatusCode} {response.Content.Headers.ContentType}: {(response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync(cts.Token))}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var events = new List<string>();
        string? line;
        var lastData = "";
        while ((line = await reader.ReadLineAsync(cts.Token)) is not null)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                events.Add(line[7..]);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                lastData = line[6..];
            }
        }

        // The stream starts with the job as it is and ends after it finished, with its final state.
        Assert.Equal("snapshot", events[0]);
        Assert.Contains("step", events);
        Assert.Equal("snapshot", events[^1]);
        Assert.Contains("\"state\":\"succeeded\"", lastData, StringComparison.Ordinal);
        Assert.Contains("\"percent\":100", lastData, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailedJob_RetryFromFailedStep_Succeeds()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "retry", bpodName: "r1");
        fixture.App.Jobs.FailNextAt("wait-agent");
        using var op = fixture.App.Client(fixture.OperatorToken);
        var accepted = await TestAppliance.JsonAsync(await op.PostAsJsonAsync($"/api/v1/nodes/{nodes[0].Id}/actions/commission", new { }));
        var id = accepted.GetProperty("job").GetProperty("id").GetGuid();
        var failed = await WaitForStateAsync(op, id, "failed");
        Assert.Equal(2, failed.GetProperty("currentStep").GetInt32());

        var retried = await op.PostAsync($"/api/v1/jobs/{id}/retry", null);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var done = await WaitForStateAsync(op, id, "succeeded");
        Assert.Equal(2, done.GetProperty("steps")[0].GetProperty("attempt").GetInt32() + done.GetProperty("steps")[2].GetProperty("attempt").GetInt32() - 1);

        var log = await TestAppliance.JsonAsync(await op.GetAsync($"/api/v1/jobs/{id}/log"));
        Assert.Contains(log.EnumerateArray(), l => l.GetProperty("text").GetString()!.StartsWith("retried by oscar", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Steps_ShowHowOftenTheyWereInterrupted_RetryResetsTheCount_AndOpenApiDescribesIt()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "interrupted", bpodName: "r1");
        fixture.App.Jobs.FailNextAt("wait-agent", interruptions: 4);
        using var op = fixture.App.Client(fixture.OperatorToken);
        var accepted = await TestAppliance.JsonAsync(await op.PostAsJsonAsync($"/api/v1/nodes/{nodes[0].Id}/actions/commission", new { }));
        var id = accepted.GetProperty("job").GetProperty("id").GetGuid();
        var failed = await WaitForStateAsync(op, id, "failed");
        Assert.Equal(0, failed.GetProperty("steps")[0].GetProperty("interruptions").GetInt32());
        Assert.Equal(4, failed.GetProperty("steps")[2].GetProperty("interruptions").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await op.PostAsync($"/api/v1/jobs/{id}/retry", null)).StatusCode);
        var retried = await TestAppliance.JsonAsync(await op.GetAsync($"/api/v1/jobs/{id}"));
        Assert.Equal(0, retried.GetProperty("steps")[2].GetProperty("interruptions").GetInt32());
        // Finished before the next test of this fixture injects its own failure at the same step.
        await WaitForStateAsync(op, id, "succeeded");

        using var anonymous = fixture.App.Client();
        var step = (await TestAppliance.JsonAsync(await anonymous.GetAsync("/openapi/v1.json"))).GetProperty("components").GetProperty("schemas").GetProperty("StepDto");
        Assert.Equal("integer", step.GetProperty("properties").GetProperty("interruptions").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Cancel_FinishedJob_Returns409_AndViewerCannotCancel()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(1, zoneName: "cancel", bpodName: "r1");
        using var op = fixture.App.Client(fixture.OperatorToken);
        using var viewer = fixture.App.Client(fixture.ViewerToken);
        var job = await TestAppliance.JsonAsync(await op.PostAsync($"/api/v1/nodes/{nodes[0].Id}/power/off", null));
        var id = job.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostAsync($"/api/v1/jobs/{id}/cancel", null)).StatusCode);
        await WaitForStateAsync(op, id, "succeeded");
        Assert.Equal(HttpStatusCode.Conflict, (await op.PostAsync($"/api/v1/jobs/{id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task List_FiltersByNodeAndState()
    {
        var (_, _, nodes) = await fixture.App.SeedAsync(2, zoneName: "jobfilter", bpodName: "r1");
        using var op = fixture.App.Client(fixture.OperatorToken);
        await op.PostAsync($"/api/v1/nodes/{nodes[0].Id}/power/on", null);
        await op.PostAsync($"/api/v1/nodes/{nodes[1].Id}/power/on", null);
        var forNode = await TestAppliance.JsonAsync(await op.GetAsync($"/api/v1/jobs?nodeId={nodes[0].Id}"));
        Assert.Equal(1, forNode.GetProperty("total").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await op.GetAsync("/api/v1/jobs?state=exploded")).StatusCode);
    }

    internal static async Task<System.Text.Json.JsonElement> WaitForStateAsync(HttpClient client, Guid id, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var job = await TestAppliance.JsonAsync(await client.GetAsync($"/api/v1/jobs/{id}"));
            if (job.GetProperty("state").GetString() == state)
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} is {job.GetProperty("state")}, expected {state}");
            await Task.Delay(100);
        }
    }
}
