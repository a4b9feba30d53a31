using System.Data.Common;
using System.Text;
using Dapper;
using Provisioner.Core.Persistence;
using Provisioner.Jobs;
using Provisioner.Jobs.Engine;
using Provisioner.Storage.Sql;

namespace Provisioner.Storage.Jobs;

/// <summary>
/// Durable jobs for both providers. Claiming is one atomic UPDATE: SQLite's single writer makes it exclusive;
/// PostgreSQL picks rows with FOR UPDATE SKIP LOCKED so concurrent appliances never wait on or share a job.
/// Every engine write is conditioned on lease_owner, so a stale engine cannot overwrite a job taken over by another.
/// </summary>
internal sealed class SqlJobStore(StoreDatabase db) : IJobStore
{
    private const string JobColumns =
        "id, kind, node_id, bpod_id, bmc_key, state, priority, requested_by, created_at, started_at, finished_at, current_step, error, parameters, " +
        "lease_owner, lease_expires_at, next_run_at, cancel_requested, version";

    private const string StepColumns =
        "job_id, idx, name, state, attempt, max_attempts, started_at, finished_at, bytes_done, bytes_total, percent, bytes_per_second, message, error, checkpoint, " +
        "ran_by, interruptions, stopped_cleanly";

    public async Task<JobRecord> InsertAsync(JobRecord job, CancellationToken cancellationToken)
    {
        var stored = job with { State = JobState.Pending, Version = 1, NextRunAt = job.NextRunAt == default ? job.CreatedAt : job.NextRunAt };
        try
        {
            await db.WriteAsync(async (c, tx) =>
            {
                await c.ExecuteAsync(db.Command(
                    $"INSERT INTO jobs ({JobColumns}) VALUES (@Id, @Kind, @NodeId, @BpodId, @BmcKey, @state, @Priority, @RequestedBy, @CreatedAt, NULL, NULL, " +
                    "@CurrentStep, NULL, @ParametersJson, NULL, NULL, @NextRunAt, @f, @Version)",
                    new
                    {
                        stored.Id, stored.Kind, stored.NodeId, stored.BpodId, stored.BmcKey, state = (int)JobState.Pending, stored.Priority, stored.RequestedBy,
                        stored.CreatedAt, stored.CurrentStep, stored.ParametersJson, stored.NextRunAt, f = false, stored.Version,
                    }, tx, cancellationToken)).ConfigureAwait(false);
                foreach (var s in stored.Steps)
                {
                    await c.ExecuteAsync(db.Command($"INSERT INTO job_steps ({StepColumns}) VALUES (@jobId, @Index, @Name, @state, 0, @MaxAttempts, " +
                        "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, @Interruptions, @StoppedCleanly)",
                        new { jobId = stored.Id, s.Index, s.Name, state = (int)StepState.Pending, s.MaxAttempts, s.Interruptions, s.StoppedCleanly }, tx, cancellationToken))
                        .ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            var active = job.NodeId is { } nodeId
                ? await db.QuerySingleOrDefaultAsync<JobRow>($"SELECT {JobColumns} FROM jobs WHERE node_id = @nodeId AND state IN (1, 2)", new { nodeId },
                    cancellationToken).ConfigureAwait(false)
                : null;
            throw new JobRejectedException(active is null
                ? $"Job {job.Id} could not be queued: node {job.NodeId} already has an active job."
                : $"Node {job.NodeId} already has an active job: {active.Kind} job {active.Id} ({(JobState)active.State}). Cancel it or wait for it to finish.", e);
        }

        return stored;
    }

    public Task<JobRecord?> GetAsync(Guid id, CancellationToken cancellationToken) =>
        db.ReadAsync(c => LoadAsync(c, null, id, cancellationToken), cancellationToken);

    public Task<Page<JobRecord>> ListAsync(JobQuery query, CancellationToken cancellationToken)
    {
        var where = new StringBuilder("WHERE 1 = 1");
        var p = new DynamicParameters();
        if (query.NodeId is { } nodeId)
        {
            where.Append(" AND node_id = @nodeId");
            p.Add("nodeId", nodeId);
        }

        if (query.State is { } state)
        {
            where.Append(" AND state = @state");
            p.Add("state", (int)state);
        }

        if (!string.IsNullOrEmpty(query.Kind))
        {
            where.Append(" AND kind = @kind");
            p.Add("kind", query.Kind);
        }

        if (query.ActiveOnly)
        {
            where.Append(" AND state IN (1, 2)");
        }

        p.Add("limit", query.Page.SafeLimit);
        p.Add("offset", query.Page.SafeOffset);
        return db.ReadAsync(async c =>
        {
            var total = await c.ExecuteScalarAsync<long>(db.Command($"SELECT COUNT(*) FROM jobs {where}", p, null, cancellationToken)).ConfigureAwait(false);
            var rows = (await c.QueryAsync<JobRow>(db.Command(
                $"SELECT {JobColumns} FROM jobs {where} ORDER BY created_at DESC, id DESC LIMIT @limit OFFSET @offset", p, null, cancellationToken))
                .ConfigureAwait(false)).ToList();
            var jobs = await WithStepsAsync(c, null, rows, cancellationToken).ConfigureAwait(false);
            return new Page<JobRecord>(jobs, total, query.Page.SafeOffset, query.Page.SafeLimit);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<JobRecord>> ClaimAsync(JobClaimRequest request, CancellationToken cancellationToken)
    {
        if (request.Limit <= 0 || request.Kinds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<JobRecord>>([]);
        }

        var p = new DynamicParameters();
        p.Add("owner", request.Owner);
        p.Add("now", request.Now);
        p.Add("until", request.Now + request.LeaseDuration);
        p.Add("limit", request.Limit);
        p.Add("kinds", request.Kinds.ToArray());
        var where = new StringBuilder("((state = 1 AND next_run_at <= @now AND NOT cancel_requested) OR (state = 2 AND lease_expires_at < @now)) AND " + db.In("kind", "kinds"));
        if (request.ServedBpods is { } served)
        {
            // Rack-bound jobs only go to an appliance serving that rack.
            where.Append($" AND (bpod_id IS NULL OR {db.In("bpod_id", "served")})");
            p.Add("served", db.Ids(served));
        }

        if (request.ExcludedBpods.Count > 0)
        {
            where.Append($" AND (bpod_id IS NULL OR {db.NotIn("bpod_id", "exBpods")})");
            p.Add("exBpods", db.Ids(request.ExcludedBpods));
        }

        if (request.ExcludedBmcKeys.Count > 0)
        {
            where.Append($" AND (bmc_key IS NULL OR {db.NotIn("bmc_key", "exBmcs")})");
            p.Add("exBmcs", request.ExcludedBmcKeys.ToArray());
        }

        if (request.ExcludedJobIds.Count > 0)
        {
            where.Append($" AND {db.NotIn("id", "exIds")}");
            p.Add("exIds", db.Ids(request.ExcludedJobIds));
        }

        const string Set = "state = 2, lease_owner = @owner, lease_expires_at = @until, started_at = COALESCE(started_at, @now), version = version + 1";
        var sql = db.Dialect == SqlDialect.Postgres
            ? $"WITH c AS (SELECT id FROM jobs WHERE {where} ORDER BY priority DESC, created_at, id LIMIT @limit FOR UPDATE SKIP LOCKED) " +
              $"UPDATE jobs j SET {Set} " +
              "FROM c WHERE j.id = c.id RETURNING j.id"
            : $"UPDATE jobs SET {Set} WHERE id IN (SELECT id FROM jobs WHERE {where} ORDER BY priority DESC, created_at, id LIMIT @limit) RETURNING id";

        return db.WriteAsync<IReadOnlyList<JobRecord>>(async (c, tx) =>
        {
            var ids = (await c.QueryAsync<Guid>(db.Command(sql, p, tx, cancellationToken)).ConfigureAwait(false)).ToArray();
            if (ids.Length == 0)
            {
                return [];
            }

            var rows = (await c.QueryAsync<JobRow>(db.Command($"SELECT {JobColumns} FROM jobs WHERE {db.In("id", "ids")} ORDER BY priority DESC, created_at, id", new { ids = db.Ids(ids) }, tx,
                cancellationToken)).ConfigureAwait(false)).ToList();
            return await WithStepsAsync(c, tx, rows, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    public Task UnclaimAsync(Guid jobId, string owner, CancellationToken cancellationToken) =>
        db.ExecuteAsync(
            "UPDATE jobs SET state = CASE WHEN EXISTS (SELECT 1 FROM job_steps s WHERE s.job_id = jobs.id AND s.state <> 1) THEN 2 ELSE 1 END, " +
            "lease_owner = NULL, lease_expires_at = CASE WHEN EXISTS (SELECT 1 FROM job_steps s WHERE s.job_id = jobs.id AND s.state <> 1) THEN @epoch ELSE NULL END, " +
            "version = version + 1 WHERE id = @jobId AND lease_owner = @owner AND state = 2",
            new { jobId, owner, epoch = DateTimeOffset.UnixEpoch }, cancellationToken);

    public Task<IReadOnlyList<LeaseRenewal>> RenewLeasesAsync(string owner, IReadOnlyCollection<Guid> jobIds, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (jobIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<LeaseRenewal>>([]);
        }

        return db.WriteAsync<IReadOnlyList<LeaseRenewal>>(async (c, tx) =>
        {
            var held = (await c.QueryAsync<RenewRow>(db.Command(
                    $"UPDATE jobs SET lease_expires_at = @until WHERE {db.In("id", "ids")} AND lease_owner = @owner AND state = 2 RETURNING id, cancel_requested",
                    new { ids = db.Ids(jobIds), owner, until }, tx, cancellationToken)).ConfigureAwait(false))
                .ToDictionary(r => r.Id, r => r.CancelRequested);
            return jobIds.Select(id => new LeaseRenewal(id, held.ContainsKey(id), held.TryGetValue(id, out var cancel) && cancel)).ToList();
        }, cancellationToken);
    }

    public Task<int> ExpireLeasesOfAsync(string owner, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ExecuteAsync("UPDATE jobs SET lease_expires_at = @epoch WHERE lease_owner = @owner AND state = 2", new { owner, epoch = DateTimeOffset.UnixEpoch },
            cancellationToken);

    public Task<int> ExpireLeasesOfApplianceAsync(string applianceId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.ExecuteAsync("UPDATE jobs SET lease_expires_at = @epoch WHERE state = 2 AND (lease_owner = @applianceId OR substr(lease_owner, 1, @n) = @prefix)",
            new { applianceId, prefix = applianceId + "/", n = applianceId.Length + 1, epoch = DateTimeOffset.UnixEpoch }, cancellationToken);

    public Task SaveStepAsync(Guid jobId, string owner, StepRecord step, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var n = await c.ExecuteAsync(db.Command("UPDATE jobs SET current_step = @idx, version = version + 1 WHERE id = @jobId AND lease_owner = @owner AND state = 2",
                new { jobId, owner, idx = step.Index }, tx, cancellationToken)).ConfigureAwait(false);
            if (n == 0)
            {
                throw new LeaseLostException($"Job {jobId} is no longer leased to {owner}.");
            }

            await c.ExecuteAsync(db.Command(
                "UPDATE job_steps SET state = @state, attempt = @Attempt, max_attempts = @MaxAttempts, started_at = @StartedAt, finished_at = @FinishedAt, " +
                "bytes_done = @BytesDone, bytes_total = @BytesTotal, percent = @Percent, bytes_per_second = @BytesPerSecond, message = @Message, error = @Error, " +
                "checkpoint = @Checkpoint, ran_by = @RanBy, interruptions = @Interruptions, stopped_cleanly = @StoppedCleanly WHERE job_id = @jobId AND idx = @Index",
                new
                {
                    jobId, state = (int)step.State, step.Attempt, step.MaxAttempts, step.StartedAt, step.FinishedAt, step.BytesDone, step.BytesTotal, step.Percent,
                    step.BytesPerSecond, step.Message, step.Error, step.Checkpoint, step.Index, step.RanBy, step.Interruptions, step.StoppedCleanly,
                }, tx, cancellationToken)).ConfigureAwait(false);
        }, cancellationToken);

    public Task UpdateJobAsync(JobProgressUpdate update, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var final = update.State is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
            var n = await c.ExecuteAsync(db.Command(
                "UPDATE jobs SET state = @state, current_step = @CurrentStep, error = @Error, finished_at = @FinishedAt, " +
                (final ? "lease_owner = NULL, lease_expires_at = NULL, " : "") +
                "version = version + 1 WHERE id = @JobId AND lease_owner = @Owner AND state = 2",
                new { state = (int)update.State, update.CurrentStep, update.Error, update.FinishedAt, update.JobId, update.Owner }, tx, cancellationToken))
                .ConfigureAwait(false);
            if (n == 0)
            {
                throw new LeaseLostException($"Job {update.JobId} is no longer leased to {update.Owner}.");
            }
        }, cancellationToken);

    public Task<IReadOnlyList<JobLogLine>> AppendLogAsync(IReadOnlyList<JobLogLine> lines, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<JobLogLine>>([]);
        }

        return db.WriteAsync<IReadOnlyList<JobLogLine>>(async (c, tx) =>
        {
            var saved = new List<JobLogLine>(lines.Count);
            foreach (var l in lines)
            {
                var id = await c.ExecuteScalarAsync<long>(db.Command(
                    "INSERT INTO job_log (job_id, step_idx, at, level, text) VALUES (@JobId, @StepIndex, @At, @Level, @Text) RETURNING id", l, tx, cancellationToken))
                    .ConfigureAwait(false);
                saved.Add(l with { Id = id });
            }

            return saved;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<JobLogLine>> GetLogAsync(Guid jobId, long afterId, int limit, CancellationToken cancellationToken) =>
        (await db.QueryAsync<LogRow>("SELECT id, job_id, step_idx, at, level, text FROM job_log WHERE job_id = @jobId AND id > @afterId ORDER BY id LIMIT @limit",
            new { jobId, afterId, limit = Math.Clamp(limit, 1, 10_000) }, cancellationToken).ConfigureAwait(false))
        .Select(r => new JobLogLine { Id = r.Id, JobId = r.JobId, StepIndex = r.StepIdx, At = r.At, Level = r.Level, Text = r.Text }).ToList();

    public Task<JobRecord?> RequestCancelAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken) =>
        db.WriteAsync(async (c, tx) =>
        {
            var state = await c.ExecuteScalarAsync<int?>(db.Command("SELECT state FROM jobs WHERE id = @jobId", new { jobId }, tx, cancellationToken))
                .ConfigureAwait(false);
            switch ((JobState?)state)
            {
                case null:
                    return null;
                case JobState.Pending:
                    await c.ExecuteAsync(db.Command(
                        "UPDATE jobs SET state = @cancelled, finished_at = @now, error = 'cancelled before it started', cancel_requested = @t, version = version + 1 " +
                        "WHERE id = @jobId", new { jobId, now, cancelled = (int)JobState.Cancelled, t = true }, tx, cancellationToken)).ConfigureAwait(false);
                    await c.ExecuteAsync(db.Command("UPDATE job_steps SET state = @cancelled WHERE job_id = @jobId AND state = 1",
                        new { jobId, cancelled = (int)StepState.Cancelled }, tx, cancellationToken)).ConfigureAwait(false);
                    break;
                case JobState.Running:
                    await c.ExecuteAsync(db.Command("UPDATE jobs SET cancel_requested = @t, version = version + 1 WHERE id = @jobId", new { jobId, t = true }, tx,
                        cancellationToken)).ConfigureAwait(false);
                    break;
            }

            return await LoadAsync(c, tx, jobId, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<JobRecord> ResetForRetryAsync(Guid jobId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                var job = await LoadAsync(c, tx, jobId, cancellationToken).ConfigureAwait(false)
                    ?? throw new KeyNotFoundException($"Job {jobId} does not exist.");
                if (job.State is not (JobState.Failed or JobState.Cancelled))
                {
                    throw new JobRejectedException($"Job {jobId} is {job.State}: only failed or cancelled jobs can be retried.");
                }

                var from = job.Steps.FirstOrDefault(s => s.State is not (StepState.Succeeded or StepState.Skipped))?.Index ?? job.Steps.Count;
                await c.ExecuteAsync(db.Command(
                    "UPDATE job_steps SET state = 1, attempt = 0, interruptions = 0, stopped_cleanly = @f, error = NULL, finished_at = NULL WHERE job_id = @jobId AND idx >= @from AND state NOT IN (3, 5)",
                    new { jobId, from, f = false }, tx, cancellationToken)).ConfigureAwait(false);
                await c.ExecuteAsync(db.Command(
                    "UPDATE jobs SET state = 1, current_step = @from, error = NULL, finished_at = NULL, cancel_requested = @f, next_run_at = @now, lease_owner = NULL, " +
                    "lease_expires_at = NULL, version = version + 1 WHERE id = @jobId", new { jobId, from, now, f = false }, tx, cancellationToken)).ConfigureAwait(false);
                return (await LoadAsync(c, tx, jobId, cancellationToken).ConfigureAwait(false))!;
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (db.IsUniqueViolation(e))
        {
            throw new JobRejectedException($"Job {jobId} cannot be retried: its node already has another active job.", e);
        }
    }

    private async Task<JobRecord?> LoadAsync(DbConnection c, DbTransaction? tx, Guid id, CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<JobRow>(db.Command($"SELECT {JobColumns} FROM jobs WHERE id = @id", new { id }, tx, cancellationToken))
            .ConfigureAwait(false);
        return row is null ? null : (await WithStepsAsync(c, tx, [row], cancellationToken).ConfigureAwait(false))[0];
    }

    private async Task<IReadOnlyList<JobRecord>> WithStepsAsync(DbConnection c, DbTransaction? tx, IReadOnlyList<JobRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var steps = (await c.QueryAsync<StepRow>(db.Command($"SELECT {StepColumns} FROM job_steps WHERE {db.In("job_id", "ids")} ORDER BY job_id, idx",
                new { ids = db.Ids(rows.Select(r => r.Id)) }, tx, cancellationToken)).ConfigureAwait(false))
            .GroupBy(s => s.JobId).ToDictionary(g => g.Key, g => g.Select(s => s.ToStep()).ToList());
        return rows.Select(r => r.ToJob(steps.TryGetValue(r.Id, out var s) ? s : [])).ToList();
    }

    private sealed class JobRow
    {
        public Guid Id { get; set; }

        public string Kind { get; set; } = "";

        public Guid? NodeId { get; set; }

        public Guid? BpodId { get; set; }

        public string? BmcKey { get; set; }

        public int State { get; set; }

        public int Priority { get; set; }

        public string RequestedBy { get; set; } = "";

        public DateTimeOffset CreatedAt { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? FinishedAt { get; set; }

        public int CurrentStep { get; set; }

        public string? Error { get; set; }

        public string? Parameters { get; set; }

        public string? LeaseOwner { get; set; }

        public DateTimeOffset? LeaseExpiresAt { get; set; }

        public DateTimeOffset NextRunAt { get; set; }

        public bool CancelRequested { get; set; }

        public long Version { get; set; }

        public JobRecord ToJob(IReadOnlyList<StepRecord> steps) => new()
        {
            Id = Id, Kind = Kind, NodeId = NodeId, BpodId = BpodId, BmcKey = BmcKey, State = (JobState)State, Priority = Priority, RequestedBy = RequestedBy,
            CreatedAt = CreatedAt, StartedAt = StartedAt, FinishedAt = FinishedAt, CurrentStep = CurrentStep, Error = Error, ParametersJson = Parameters,
            LeaseOwner = LeaseOwner, LeaseExpiresAt = LeaseExpiresAt, NextRunAt = NextRunAt, CancelRequested = CancelRequested, Version = Version, Steps = steps,
        };
    }

    private sealed class StepRow
    {
        public Guid JobId { get; set; }

        public int Idx { get; set; }

        public string Name { get; set; } = "";

        public int State { get; set; }

        public int Attempt { get; set; }

        public int MaxAttempts { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? FinishedAt { get; set; }

        public long? BytesDone { get; set; }

        public long? BytesTotal { get; set; }

        public double? Percent { get; set; }

        public double? BytesPerSecond { get; set; }

        public string? Message { get; set; }

        public string? Error { get; set; }

        public string? Checkpoint { get; set; }

        public string? RanBy { get; set; }

        public int Interruptions { get; set; }

        public bool StoppedCleanly { get; set; }

        public StepRecord ToStep() => new()
        {
            Index = Idx, Name = Name, State = (StepState)State, Attempt = Attempt, MaxAttempts = MaxAttempts, StartedAt = StartedAt, FinishedAt = FinishedAt,
            BytesDone = BytesDone, BytesTotal = BytesTotal, Percent = Percent, BytesPerSecond = BytesPerSecond, Message = Message, Error = Error,
            Checkpoint = Checkpoint, RanBy = RanBy, Interruptions = Interruptions, StoppedCleanly = StoppedCleanly,
        };
    }

    private sealed class RenewRow
    {
        public Guid Id { get; set; }

        public bool CancelRequested { get; set; }
    }

    private sealed class LogRow
    {
        public long Id { get; set; }

        public Guid JobId { get; set; }

        public int StepIdx { get; set; }

        public DateTimeOffset At { get; set; }

        public string Level { get; set; } = "";

        public string Text { get; set; } = "";
    }
}
