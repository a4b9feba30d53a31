using Provisioner.Agent.Protocol;

namespace Provisioner.Agent.Disks;

/// <summary>Chooses the deploy target when the appliance did not name one.</summary>
public static class DiskSelector
{
    /// <summary>
    /// The first non-removable disk (in kernel name order: sda before sdb, nvme0n1 before nvme1n1) that holds at least
    /// <paramref name="minimumBytes"/>; null when none does.
    /// </summary>
    public static DiskFacts? Pick(IReadOnlyList<DiskFacts> disks, long minimumBytes) =>
        disks.Where(d => !d.Removable && d.SizeBytes >= minimumBytes)
            .OrderBy(d => d.Path, StringComparer.Ordinal)
            .FirstOrDefault();

    /// <summary>One line describing the disks, for error messages.</summary>
    public static string Describe(IReadOnlyList<DiskFacts> disks) =>
        disks.Count == 0 ? "no disks found" : string.Join(", ", disks.Select(d => $"{d.Path} {d.SizeBytes} bytes{(d.Removable ? " removable" : string.Empty)}"));
}
