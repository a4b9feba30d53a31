using Provisioner.Appliance.Api;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// A clock before the build date means certificates, TLS image downloads and job timestamps break: the most common
/// reason is an appliance without NTP after a CMOS battery failure.
/// </summary>
public sealed class ClockDiagnosticCheck(TimeProvider timeProvider) : IDiagnosticCheck
{
    private static readonly DateTimeOffset Floor = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public string Name => "clock";

    public Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        return Task.FromResult(now < Floor
            ? DiagnosticResult.Fail($"The appliance clock says {now:u}, before this software was built.",
                "Enable NTP on the appliance (timedatectl set-ntp true) or set the clock; TLS and job timing need it.")
            : DiagnosticResult.Ok($"Appliance clock {now:u} (UTC)."));
    }
}
