using System.Text.Json;
using Provisioner.Jobs;

namespace Provisioner.Appliance.Api.Contracts;

/// <param name="RanBy">The appliance that ran (or runs) the step's latest attempt.</param>
/// <param name="Interruptions">How often a run of the step was cut off by its appliance stopping mid-step (reset by a retry).</param>
public sealed record StepDto(int Index, string Name, string State, int Attempt, int MaxAttempts, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, long? BytesDone, long? BytesTotal, double? Percent, double? BytesPerSecond, string? Message, string? Error, string? RanBy,
    int Interruptions)
{
    public static StepDto From(StepRecord s) => new(s.Index, s.Name, ApiNames.Of(s.State), s.Attempt, s.MaxAttempts, s.StartedAt, s.FinishedAt,
        s.BytesDone, s.BytesTotal, s.Percent, s.BytesPerSecond, s.Message, s.Error, s.RanBy, s.Interruptions);
}

public sealed record JobDto(Guid Id, string Kind, Guid? NodeId, Guid? BpodId, string State, int Priority, string RequestedBy,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, int CurrentStep, string? Error, JsonElement? Parameters,
    StepDto[] Steps, string? LeaseOwner, double Percent)
{
    public static JobDto From(JobRecord j) => new(j.Id, j.Kind, j.NodeId, j.BpodId, ApiNames.Of(j.State), j.Priority, j.RequestedBy, j.CreatedAt,
        j.StartedAt, j.FinishedAt, j.CurrentStep, j.Error, Parse(j.ParametersJson), j.Steps.Select(StepDto.From).ToArray(), j.LeaseOwner,
        OverallPercent(j));

    /// <summary>Whole-job progress: finished steps count fully, the running one by its percent.</summary>
    public static double OverallPercent(JobRecord j)
    {
        if (j.State == JobState.Succeeded)
        {
            return 100;
        }

        if (j.Steps.Count == 0)
        {
            return 0;
        }

        var done = j.Steps.Sum(s => s.State is StepState.Succeeded or StepState.Skipped ? 100 : s.State == StepState.Running ? s.Percent ?? 0 : 0);
        return Math.Round(done / j.Steps.Count, 1);
    }

    private static JsonElement? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record JobLogLineDto(long Id, int StepIndex, DateTimeOffset At, string Level, string Text)
{
    public static JobLogLineDto From(JobLogLine l) => new(l.Id, l.StepIndex, l.At, l.Level, l.Text);
}

/// <summary>A live job change as sent over Server-Sent Events.</summary>
public sealed record JobEventDto(Guid JobId, Guid? NodeId, string Type, string JobState, StepDto? Step, JobLogLineDto? Log, DateTimeOffset At)
{
    public static JobEventDto From(JobEvent e) => new(e.JobId, e.NodeId, e.Type, ApiNames.Of(e.JobState),
        e.Step is { } s ? StepDto.From(s) : null, e.Log is { } l ? JobLogLineDto.From(l) : null, e.At);
}

public sealed record JobSubmitRequest(string? Kind, Guid? NodeId, Guid? BpodId, int? Priority, JsonElement? Parameters);
