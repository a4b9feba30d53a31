using System.Text.Json;
using Provisioner.Agent.Protocol;
using Provisioner.Appliance.Boot;
using Provisioner.Appliance.Options;
using Provisioner.Appliance.Services;
using Provisioner.Boot.Timeline;
using Provisioner.Boot.Tokens;
using Provisioner.Core.Boot;
using Provisioner.Core.Inventory;
using Provisioner.Core.Lifecycle;
using Provisioner.Core.Networking;
using Provisioner.Core.Persistence;

namespace Provisioner.Appliance.Agent;

/// <summary>
/// The live agent's API (docs/agent-protocol.md) and the deployed OS's callback. Every call carries the node's per-boot
/// token (Authorization: Bearer, or ?token= for the OS callback's busybox wget); a token opens only its own node.
/// </summary>
public static class AgentEndpoints
{
    private const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapAgentApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(AgentApi.Hello, HelloAsync);
        app.MapPut(AgentApi.Facts, FactsAsync);
        app.MapGet(AgentApi.Task, TaskAsync);
        app.MapPost(AgentApi.Prefix + "/tasks/{taskId}/progress", ProgressAsync);
        app.MapPost(AgentApi.Prefix + "/tasks/{taskId}/result", ResultAsync);
        app.MapPost(AgentApi.Log, LogAsync);
        app.MapMethods(AgentApi.Images + "/{*path}", ["GET", "HEAD"], ImageFileAsync);
        app.MapGet(AgentApi.Prefix + "/callback", CallbackAsync);
        app.MapPost(AgentApi.Prefix + "/callback", CallbackAsync);
        return app;
    }

    private static async Task<IResult> HelloAsync(HttpContext http, BootTokenService tokens, INodeRepository nodes, AgentTaskBroker broker,
        NodeStateChanger changer, BootTimeline timeline, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var hello = await ReadAsync(http, AgentJsonContext.Default.HelloRequest, ct);
        if (hello is null || !MacAddress.TryParse(hello.Mac, out var mac))
        {
            return Results.Problem(statusCode: 400, title: "Bad hello", detail: "Send {mac, agentVersion, firmware, bootId} with the boot interface's MAC.");
        }

        if (!node.Interfaces.Any(i => i.Mac == mac))
        {
            return Results.Problem(statusCode: 403, title: "Wrong node",
                detail: $"MAC {mac} is not an interface of {node.Hostname}: this token was issued for another machine.");
        }

        broker.Hello(node.Id, hello);
        timeline.Record(BootEventSource.Agent, "agent-hello", $"live agent {hello.AgentVersion} up ({hello.Firmware}) on {mac}", mac, node.Id,
            new { hello.AgentVersion, firmware = hello.Firmware.ToString(), hello.BootId });

        // A discovered machine is commissioned right away (MAAS-style enlistment + commissioning in one boot).
        if (node.State == NodeState.New)
        {
            node = await changer.TransitionAsync(node.Id, NodeAction.Commission, "system", "enlisted by PXE: commissioning", ct) ?? node;
        }

        return Results.Json(new HelloResponse(node.Id.ToString(), node.Hostname), AgentJsonContext.Default.HelloResponse);
    }

    private static async Task<IResult> FactsAsync(HttpContext http, BootTokenService tokens, INodeRepository nodes, AgentTaskBroker broker,
        NodeStateChanger changer, BootTimeline timeline, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var facts = await ReadAsync(http, AgentJsonContext.Default.HardwareFacts, ct);
        if (facts is null)
        {
            return Results.Problem(statusCode: 400, title: "Bad facts", detail: "Send the hardware facts as JSON (docs/agent-protocol.md).");
        }

        var json = JsonSerializer.Serialize(facts, AgentJsonContext.Default.HardwareFacts);
        var uuid = Guid.TryParse(facts.Dmi?.Uuid, out var u) ? u : (Guid?)null;
        await changer.UpdateAsync(node.Id, n => n with { HardwareFactsJson = json, SystemUuid = n.SystemUuid ?? uuid }, ct);
        broker.Seen(node.Id, facts: true);
        timeline.Record(BootEventSource.Agent, "facts", FactsSummary(facts), node.PxeInterface?.Mac, node.Id);

        if (node.State == NodeState.Commissioning)
        {
            await changer.TransitionAsync(node.Id, NodeAction.CommissioningSucceeded, "system", "hardware facts reported", ct);
            // Commissioned machines wait powered off, like MAAS's Ready machines.
            broker.Post(node.Id, new AgentTask($"poweroff-{Guid.NewGuid():N}", AgentTaskKind.Poweroff));
        }

        return Results.NoContent();
    }

    private static async Task<IResult> TaskAsync(HttpContext http, BootTokenService tokens, INodeRepository nodes, AgentTaskBroker broker,
        int? waitSeconds, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var wait = TimeSpan.FromSeconds(Math.Clamp(waitSeconds ?? 30, 0, AgentApi.MaxWaitSeconds));
        var task = await broker.NextAsync(node.Id, wait, ct);
        return task is null ? Results.NoContent() : Results.Json(task, AgentJsonContext.Default.AgentTask);
    }

    private static async Task<IResult> ProgressAsync(HttpContext http, string taskId, BootTokenService tokens, INodeRepository nodes,
        AgentTaskBroker broker, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var progress = await ReadAsync(http, AgentJsonContext.Default.TaskProgress, ct);
        if (progress is null)
        {
            return Results.Problem(statusCode: 400, title: "Bad progress");
        }

        broker.ReportProgress(node.Id, taskId, progress);
        return Results.NoContent();
    }

    private static async Task<IResult> ResultAsync(HttpContext http, string taskId, BootTokenService tokens, INodeRepository nodes,
        AgentTaskBroker broker, BootTimeline timeline, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var result = await ReadAsync(http, AgentJsonContext.Default.TaskResult, ct);
        if (result is null)
        {
            return Results.Problem(statusCode: 400, title: "Bad result");
        }

        broker.ReportResult(node.Id, taskId, result);
        timeline.Record(BootEventSource.Agent, result.Success ? "task-done" : "task-failed",
            result.Success ? $"agent finished {result.Step}" : $"agent failed at {result.Step}: {result.Error}", node.PxeInterface?.Mac, node.Id,
            new { taskId, result.Step, result.Error, logTail = result.LogTail.TakeLast(20) });
        return Results.NoContent();
    }

    private static async Task<IResult> LogAsync(HttpContext http, BootTokenService tokens, INodeRepository nodes, BootTimeline timeline,
        CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var batch = await ReadAsync(http, AgentJsonContext.Default.LogBatch, ct);
        foreach (var line in (batch?.Lines ?? []).Take(50))
        {
            timeline.Record(BootEventSource.Agent, "agent-log", line.Length > 500 ? line[..500] : line, node.PxeInterface?.Mac, node.Id);
        }

        return Results.NoContent();
    }

    private static async Task<IResult> CallbackAsync(HttpContext http, BootTokenService tokens, INodeRepository nodes, DeployCallbacks callbacks,
        BootTimeline timeline, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        var values = http.Request.Query.Where(q => q.Key != "token").ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        callbacks.Report(node.Id, values);
        timeline.Record(BootEventSource.Os, "os-callback",
            $"deployed OS called back: {string.Join(' ', values.Select(kv => $"{kv.Key}={kv.Value}"))}", node.PxeInterface?.Mac, node.Id, values);
        return Results.Text("ok\n");
    }

    /// <summary>An image file for a deploy (whole, or by Range for a chunk or a resumed stream), for a valid boot token only.</summary>
    private static async Task<IResult> ImageFileAsync(string path, HttpContext http, BootTokenService tokens, INodeRepository nodes,
        IImageRepository images, BootTimeline timeline, ApplianceSettings settings, CancellationToken ct)
    {
        var (node, denied) = await AuthenticateAsync(http, tokens, nodes, ct);
        if (node is null)
        {
            return denied!;
        }

        return await NodeImageAccess.RefusalAsync(node, path, images, timeline, ct)
               ?? BootFileEndpoints.Serve(new SafeFileResolver(BootFileEndpoints.ImagesDirectory(settings)), path, http, BootFileEndpoints.ImagesHint);
    }

    /// <summary>Finds the node the request's boot token names, or an error result saying why not.</summary>
    private static async Task<(Node? Node, IResult? Denied)> AuthenticateAsync(HttpContext http, BootTokenService tokens, INodeRepository nodes,
        CancellationToken ct)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : http.Request.Query["token"].ToString();
        var claims = tokens.Validate(token, out var problem);
        if (claims is null)
        {
            return (null, Results.Problem(statusCode: 401, title: "Boot token refused", detail: problem));
        }

        var node = await nodes.GetAsync(claims.NodeId, ct);
        return node is null
            ? (null, Results.Problem(statusCode: 401, title: "Boot token refused", detail: "the node this token was issued for no longer exists"))
            : (node, null);
    }

    private static async Task<T?> ReadAsync<T>(HttpContext http, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
        where T : class
    {
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, type, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string FactsSummary(HardwareFacts f)
    {
        var cpu = f.Cpu is { } c ? $"{c.Model}, {c.Sockets} socket(s) {c.Cores} cores" : "cpu ?";
        var mem = f.MemoryBytes > 0 ? $"{f.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB" : "memory ?";
        return $"hardware: {cpu}; {mem}; {f.Disks?.Count ?? 0} disk(s); {f.Nics?.Count ?? 0} NIC(s); {f.Firmware}";
    }
}
