using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Provisioner.Appliance.Api.Contracts;
using Provisioner.Appliance.Identity;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Api.Endpoints;

/// <summary>/api/v1/jobs and the live event streams (/api/v1/events, /api/v1/jobs/{id}/events).</summary>
public static class JobEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/jobs").WithTags("Jobs");
        jobs.MapGet("/", List).WithName("ListJobs");
        jobs.MapPost("/", Submit).WithName("SubmitJob").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        jobs.MapGet("/{id:guid}", Get).WithName("GetJob");
        jobs.MapGet("/{id:guid}/log", Log).WithName("GetJobLog");
        jobs.MapPost("/{id:guid}/cancel", Cancel).WithName("CancelJob").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        jobs.MapPost("/{id:guid}/retry", Retry).WithName("RetryJob").RequireAuthorization(ProvisionerClaims.OperatorPolicy);
        jobs.MapGet("/{id:guid}/events", JobStream).WithName("JobEventStream").Produces(200, contentType: "text/event-stream");
        api.MapGet("/events", Stream).WithTags("Events").WithName("EventStream").Produces(200, contentType: "text/event-stream");
    }

    private static async Task<Ok<PagedResponse<JobDto>>> List(IJobService jobs, Guid? nodeId, string? state, string? kind, bool? active,
        int? offset, int? limit, CancellationToken ct)
    {
        var page = PageQuery.From(offset, limit);
        JobState? s = null;
        if (state is not null)
        {
            s = ApiNames.TryParse<JobState>(state, out var parsed) ? parsed
                : throw ApiValidationException.For("state", $"Unknown job state '{state}'; use one of: {string.Join(", ", ApiNames.All<JobState>())}.");
        }

        var result = await jobs.ListAsync(new JobQuery { NodeId = nodeId, State = s, Kind = kind, ActiveOnly = active ?? false, Page = page }, ct);
        return TypedResults.Ok(PageQuery.Map(result, JobDto.From));
    }

    private static async Task<Accepted<JobDto>> Submit(JobSubmitRequest request, IJobService jobs, INodeRepository nodes, IAuditLog audit,
        HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Kind))
        {
            throw ApiValidationException.For("kind", "Give the workflow to run (e.g. power-cycle).");
        }

        if (request.NodeId is { } nodeId && await nodes.GetAsync(nodeId, ct) is null)
        {
            throw ApiValidationException.For("nodeId", $"No node with id {nodeId}.");
        }

        var job = await jobs.SubmitAsync(new JobSubmission
        {
            Kind = request.Kind.Trim(),
            NodeId = request.NodeId,
            BpodId = request.BpodId,
            Priority = request.Priority ?? 0,
            RequestedBy = ApiCaller.Of(http).Name,
            ParametersJson = request.Parameters?.GetRawText(),
        }, ct);
        await audit.RecordAsync(http, "job.submit", "job", job.Id.ToString(), job.Kind);
        return TypedResults.Accepted($"/api/v1/jobs/{job.Id}", JobDto.From(job));
    }

    private static async Task<Ok<JobDto>> Get(Guid id, IJobService jobs, CancellationToken ct) =>
        TypedResults.Ok(JobDto.From(await jobs.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No job with id {id}.")));

    private static async Task<Ok<JobLogLineDto[]>> Log(Guid id, long? after, int? limit, IJobService jobs, CancellationToken ct)
    {
        _ = await jobs.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No job with id {id}.");
        var lines = await jobs.GetLogAsync(id, after ?? 0, Math.Clamp(limit ?? 500, 1, 5000), ct);
        return TypedResults.Ok(lines.Select(JobLogLineDto.From).ToArray());
    }

    private static async Task<Ok<JobDto>> Cancel(Guid id, IJobService jobs, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        _ = await jobs.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No job with id {id}.");
        await jobs.CancelAsync(id, ApiCaller.Of(http).Name, ct);
        await audit.RecordAsync(http, "job.cancel", "job", id.ToString(), null);
        return TypedResults.Ok(JobDto.From((await jobs.GetAsync(id, ct))!));
    }

    private static async Task<Ok<JobDto>> Retry(Guid id, IJobService jobs, IAuditLog audit, HttpContext http, CancellationToken ct)
    {
        _ = await jobs.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No job with id {id}.");
        var job = await jobs.RetryAsync(id, ApiCaller.Of(http).Name, ct);
        await audit.RecordAsync(http, "job.retry", "job", id.ToString(), $"from step {job.CurrentStep}");
        return TypedResults.Ok(JobDto.From(job));
    }

    /// <summary>One job's events, starting with its current state ("snapshot"), ending after it finishes.</summary>
    private static async Task JobStream(Guid id, IJobService jobs, HttpContext http)
    {
        var ct = http.RequestAborted;
        _ = await jobs.GetAsync(id, ct) ?? throw new ApiNotFoundException($"No job with id {id}.");
        await ServerSentEvents.WriteAsync(http, JobEvents(id, jobs, ct), ct);
    }

    private static async IAsyncEnumerable<(string, object)> JobEvents(Guid id, IJobService jobs, [EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in jobs.SubscribeAsync(stop.Token))
                {
                    if (e.JobId == id)
                    {
                        channel.Writer.TryWrite(e);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);

        try
        {
            var snapshot = (await jobs.GetAsync(id, ct))!;
            yield return ("snapshot", JobDto.From(snapshot));
            var final = IsFinal(snapshot.State);
            while (!final)
            {
                // Re-read the job every 2 s without events: an event lost between subscribing and the snapshot (or dropped
                // by a slow engine) can then never leave the stream hanging.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(TimeSpan.FromSeconds(2));
                JobEvent? e = null;
                try
                {
                    if (!await channel.Reader.WaitToReadAsync(wait.Token))
                    {
                        yield break;
                    }

                    channel.Reader.TryRead(out e);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }

                if (e is not null)
                {
                    yield return (e.Type, JobEventDto.From(e));
                }

                if (e is null || (e.Type == "job" && IsFinal(e.JobState)))
                {
                    var current = (await jobs.GetAsync(id, ct))!;
                    final = IsFinal(current.State);
                    if (final)
                    {
                        yield return ("snapshot", JobDto.From(current));
                    }
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    /// <summary>All job events and node changes ("job", "step", "log", "node"); ?topics=jobs,nodes narrows it.</summary>
    private static Task Stream(string? topics, IJobService jobs, NodeEventHub nodes, INodeRepository repo, TimeProvider time, HttpContext http)
    {
        var wanted = (topics ?? "jobs,nodes").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return ServerSentEvents.WriteAsync(http, Merge(wanted.Contains("jobs"), wanted.Contains("nodes"), jobs, nodes, repo, time, http.RequestAborted),
            http.RequestAborted);
    }

    private static async IAsyncEnumerable<(string, object)> Merge(bool withJobs, bool withNodes, IJobService jobs, NodeEventHub nodes,
        INodeRepository repo, TimeProvider time, [EnumeratorCancellation] CancellationToken ct)
    {
        var merged = Channel.CreateBounded<(string, object)>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pumps = new List<Task>();
        if (withJobs || withNodes)
        {
            pumps.Add(Task.Run(async () =>
            {
                await foreach (var e in jobs.SubscribeAsync(stop.Token))
                {
                    if (withJobs)
                    {
                        merged.Writer.TryWrite((e.Type, JobEventDto.From(e)));
                    }

                    // A job that finishes usually moves its node (the engine's doing): refresh the node for the rack view.
                    if (withNodes && e.Type == "job" && e.NodeId is { } nodeId && await repo.GetAsync(nodeId, stop.Token) is { } node)
                    {
                        merged.Writer.TryWrite(("node", NodeChange.From(node, time.GetUtcNow())));
                    }
                }
            }, stop.Token));
        }

        if (withNodes)
        {
            pumps.Add(Task.Run(async () =>
            {
                await foreach (var change in nodes.SubscribeAsync(stop.Token))
                {
                    merged.Writer.TryWrite(("node", change));
                }
            }, stop.Token));
        }

        try
        {
            await foreach (var item in merged.Reader.ReadAllAsync(ct))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(pumps);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static bool IsFinal(JobState state) => state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
}
