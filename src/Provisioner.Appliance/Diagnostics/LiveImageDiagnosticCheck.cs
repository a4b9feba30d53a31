using System.Security.Cryptography;
using System.Text.Json;
using Provisioner.Appliance.Api;
using Provisioner.Appliance.Options;

namespace Provisioner.Appliance.Diagnostics;

/// <summary>
/// The live image commissioning and deployment boot (Paths:LiveImage): vmlinuz and initrd.img present and exactly as
/// manifest.json (written by images/live/build.sh) describes them, size and sha256.
/// </summary>
public sealed class LiveImageDiagnosticCheck(ApplianceSettings settings) : IDiagnosticCheck
{
    private const string Build = "Run 'make live-image' (images/live/build.sh) or set Paths:LiveImage to the directory it writes (vmlinuz, initrd.img, manifest.json).";

    public string Name => "live-image";

    public async Task<DiagnosticResult> RunAsync(CancellationToken cancellationToken)
    {
        var dir = Path.GetFullPath(settings.Paths.LiveImage);
        var manifestPath = Path.Combine(dir, "manifest.json");
        if (!File.Exists(manifestPath))
        {
            return DiagnosticResult.Fail($"No live image in {dir} (manifest.json missing): commissioning and deployment cannot boot machines.", Build);
        }

        JsonElement files;
        string? kernel;
        try
        {
            await using var stream = File.OpenRead(manifestPath);
            using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            files = doc.RootElement.GetProperty("files").Clone();
            kernel = doc.RootElement.TryGetProperty("kernelVersion", out var k) ? k.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return DiagnosticResult.Fail($"{manifestPath} is not a valid live image manifest: {e.Message}", Build);
        }

        var problems = new List<string>();
        foreach (var name in new[] { "vmlinuz", "initrd.img" })
        {
            var path = Path.Combine(dir, name);
            if (!files.TryGetProperty(name, out var entry) || entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("sha256", out var sha) || !entry.TryGetProperty("size", out var size) || !size.TryGetInt64(out var expectedSize))
            {
                problems.Add($"the manifest does not describe {name}");
                continue;
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                problems.Add($"{name} is missing");
                continue;
            }

            if (info.Length != expectedSize)
            {
                problems.Add($"{name} is {info.Length} bytes, the manifest says {expectedSize}");
                continue;
            }

            await using var stream = File.OpenRead(path);
            var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            if (!string.Equals(actual, sha.GetString(), StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{name} does not match its sha256 in the manifest");
            }
        }

        return problems.Count > 0
            ? DiagnosticResult.Fail($"The live image in {dir} is broken: {string.Join("; ", problems)}.", Build)
            : DiagnosticResult.Ok($"Live image in {dir}: vmlinuz and initrd.img match manifest.json{(kernel is null ? "" : $" (kernel {kernel})")}.");
    }
}
