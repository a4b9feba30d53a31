using System.Collections.Concurrent;

namespace Provisioner.Appliance.Health;

/// <summary>
/// What /readyz reports: each part of the appliance (store, HTTP, DHCP, TFTP, jobs) registers itself at start-up
/// as not ready and marks itself ready once it is open and bound. The appliance is ready when every part is.
/// </summary>
public sealed class ApplianceReadiness
{
    private readonly ConcurrentDictionary<string, string?> _parts = new(StringComparer.Ordinal);

    /// <summary>Declares a part that must become ready; <paramref name="reason"/> says what it waits for.</summary>
    public void Expect(string part, string reason) => _parts[part] = reason;

    public void MarkReady(string part) => _parts[part] = null;

    public void MarkNotReady(string part, string reason) => _parts[part] = reason;

    public bool IsReady => _parts.Values.All(v => v is null);

    /// <summary>Each part and null when ready, or why it is not.</summary>
    public IReadOnlyDictionary<string, string?> Snapshot() => new SortedDictionary<string, string?>(_parts, StringComparer.Ordinal);
}
