using System.Security.Cryptography;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Options;
using Provisioner.Dhcp.Boot;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// The boot loader each client architecture is handed (the DHCP boot policy's table) is in Paths:Pxe, not empty, and
/// matches pxe/manifest.sha256 (written by pxe/fetch.sh). BIOS and UEFI x86-64 are required; IA32 and ARM64 UEFI loaders
/// are optional (Debian ships none), so their absence is only mentioned.
/// </summary>
public sealed class BootLoaderDiagnosticCheck(ApplianceSettings settings) : IDiagnosticCheck
{
    public string Name => "boot-loaders";

    public async Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        var dir = Path.GetFullPath(settings.Paths.Pxe);
        var table = new DefaultBootPolicyOptions();
        (string Arch, string File, bool Required)[] loaders =
        [
            ("BIOS", table.BiosBootFile, true),
            ("UEFI x86-64", table.EfiX64BootFile, true),
            ("UEFI IA32", table.EfiIa32BootFile, false),
            ("UEFI ARM64", table.EfiArm64BootFile, false),
        ];
        const string Fetch = "Run 'make pxe' (pxe/fetch.sh copies them from Debian's ipxe package) or set Paths:Pxe to the directory that holds them.";

        var missing = loaders.Where(l => l.Required && !NonEmpty(Path.Combine(dir, l.File))).Select(l => $"{l.File} ({l.Arch})").ToArray();
        if (missing.Length > 0)
        {
            return DiagnosticResult.Fail($"Missing or empty in {dir}: {string.Join(", ", missing)}; machines of that firmware cannot PXE-boot.", Fetch);
        }

        var present = loaders.Where(l => NonEmpty(Path.Combine(dir, l.File))).ToArray();
        var absent = loaders.Where(l => !l.Required && !NonEmpty(Path.Combine(dir, l.File))).Select(l => l.Arch).ToArray();
        var manifestPath = Path.Combine(dir, "manifest.sha256");
        if (!File.Exists(manifestPath))
        {
            return DiagnosticResult.Warn($"{string.Join(", ", present.Select(l => l.File))} present in {dir}, but there is no manifest.sha256 to verify them against.",
                "Run 'make pxe' to fetch verified copies, or write manifest.sha256 ('SHA256  FILE' per line) for loaders you placed by hand.");
        }

        // "sha256  file  package version" per line (pxe/fetch.sh).
        var expected = (await File.ReadAllLinesAsync(manifestPath, cancellationToken).ConfigureAwait(false))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 2)
            .ToDictionary(f => f[1], f => f[0], StringComparer.Ordinal);
        var bad = new List<string>();
        foreach (var (_, file, _) in present)
        {
            if (!expected.TryGetValue(file, out var sha))
            {
                bad.Add($"{file} is not in manifest.sha256");
                continue;
            }

            await using var stream = File.OpenRead(Path.Combine(dir, file));
            var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            if (!string.Equals(actual, sha, StringComparison.OrdinalIgnoreCase))
            {
                bad.Add($"{file} does not match manifest.sha256 (changed or truncated since it was fetched)");
            }
        }

        if (bad.Count > 0)
        {
            return DiagnosticResult.Fail(string.Join("; ", bad) + $" in {dir}.", Fetch);
        }

        return DiagnosticResult.Ok($"{string.Join(", ", present.Select(l => $"{l.File} ({l.Arch})"))} in {dir}, verified against manifest.sha256" +
                                   (absent.Length > 0 ? $"; none for {string.Join(" or ", absent)} (optional)." : "."));
    }

    private static bool NonEmpty(string path) => new FileInfo(path) is { Exists: true, Length: > 0 };
}
