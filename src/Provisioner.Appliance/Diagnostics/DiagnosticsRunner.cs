using System.Diagnostics;
using Provisioner.Appliance.Api;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>A check's result with its name and how long it took.</summary>
public sealed record DiagnosticOutcome(string Name, DiagnosticResult Result, TimeSpan Duration);

/// <summary>
/// Runs every registered <see cref="IDiagnosticCheck"/> at once, each bounded by its own timeout: a hung check (a BMC that
/// never answers, a blocked socket) is reported failed when its time is up and never holds the others or the caller.
/// Results come back in registration order.
/// </summary>
public sealed partial class DiagnosticsRunner(IEnumerable<IDiagnosticCheck> checks, TimeProvider time, ILogger<DiagnosticsRunner> logger)
{
    // A check that ignores its cancellation gets this much longer before it is abandoned.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    public Task<DiagnosticOutcome[]> RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(checks.Select(c => RunOneAsync(c, cancellationToken)));

    private async Task<DiagnosticOutcome> RunOneAsync(IDiagnosticCheck check, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(check.Timeout);
        DiagnosticResult result;
        try
        {
            // Task.Run: a check that blocks before its first await must not delay the others.
            result = await Task.Run(() => check.RunAsync(timeout.Token), timeout.Token)
                .WaitAsync(check.Timeout + Grace, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && (e is TimeoutException || (e is OperationCanceledException && timeout.IsCancellationRequested)))
        {
            result = DiagnosticResult.Fail($"The check did not finish within {check.Timeout.TotalSeconds:0} s.",
                "Look in the appliance log for this check; something it waits for hangs.");
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not OutOfMemoryException)
        {
            Log.CheckFailed(logger, e, check.Name);
            result = DiagnosticResult.Fail($"The check itself failed: {e.Message}", "Look in the appliance log for this check.");
        }

        return new DiagnosticOutcome(check.Name, result, time.GetElapsedTime(started));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 9201, Level = LogLevel.Warning, Message = "Diagnostic check {Check} threw")]
        public static partial void CheckFailed(ILogger logger, Exception exception, string check);
    }
}
