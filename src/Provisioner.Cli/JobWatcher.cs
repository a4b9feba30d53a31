using System.Globalization;
using System.Text.Json;

namespace Provisioner.Cli;

/// <summary>
/// Follows a job until it ends, drawing a progress bar (from the job's Server-Sent Events; polling if the stream breaks),
/// and returns the final job. Exit code: 0 succeeded, 1 failed or cancelled.
/// </summary>
public sealed class JobWatcher(ApiClient api, CliContext context)
{
    public async Task<(JsonElement Job, int ExitCode)> WatchAsync(Guid jobId, CancellationToken ct)
    {
        JsonElement? last = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/jobs/{jobId}/events");
            using var response = await api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw ApiClient.ToException(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            string? evt = null;
            string? line;
            while ((line = await reader.ReadLineAsync(ct)) is not null)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    evt = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    var data = JsonDocument.Parse(line[6..]).RootElement.Clone();
                    if (evt == "snapshot")
                    {
                        last = data;
                        Draw(data);
                    }
                    else if (evt == "step" && data.TryGetProperty("step", out var step))
                    {
                        DrawStep(step);
                    }
                    else if (evt == "log" && data.TryGetProperty("log", out var log) && log.GetProperty("level").GetString() is "warn" or "error")
                    {
                        EndLine();
                        await context.Error.WriteLineAsync($"  {log.GetProperty("level").GetString()}: {log.GetProperty("text").GetString()}");
                    }
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // The stream broke (proxy, restart): fall back to polling below.
        }

        while (last is null || IsActive(last.Value))
        {
            last = await api.GetAsync($"api/v1/jobs/{jobId}", ct);
            Draw(last.Value);
            if (IsActive(last.Value))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }

        EndLine();
        var state = last.Value.GetProperty("state").GetString();
        return (last.Value, state == "succeeded" ? ExitCodes.Ok : ExitCodes.Failed);
    }

    private readonly ProgressLine _line = new(context);

    private static bool IsActive(JsonElement job) => job.GetProperty("state").GetString() is "pending" or "running";

    private void Draw(JsonElement job)
    {
        var percent = job.TryGetProperty("percent", out var p) ? p.GetDouble() : 0;
        var steps = job.GetProperty("steps");
        var current = job.GetProperty("currentStep").GetInt32();
        var name = current < steps.GetArrayLength() ? steps[current].GetProperty("name").GetString() : "";
        Line(percent, $"{job.GetProperty("kind").GetString()} {job.GetProperty("state").GetString()} · {name}");
    }

    private void DrawStep(JsonElement step)
    {
        var percent = step.TryGetProperty("percent", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetDouble() : 0;
        var detail = step.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? " · " + m.GetString() : "";
        Line(percent, $"step {step.GetProperty("index").GetInt32() + 1} {step.GetProperty("name").GetString()} {step.GetProperty("state").GetString()}{detail}");
    }

    private void Line(double percent, string label) => _line.Draw(percent, label);

    private void EndLine() => _line.End();
}
