namespace Provisioner.TestKit.LiveImage;

/// <summary>
/// The built live image (images/live/out: vmlinuz, initrd.img, manifest.json). Tests that boot it fail with
/// "run make live-image" when it is missing, never skip.
/// </summary>
public sealed record LiveImageFiles(string Directory, string Kernel, string Initrd, string Manifest)
{
    /// <summary>Finds images/live/out in the repository above the test binaries (or $PROVISIONER_LIVE_IMAGE).</summary>
    public static LiveImageFiles Locate()
    {
        var dir = Environment.GetEnvironmentVariable("PROVISIONER_LIVE_IMAGE");
        if (string.IsNullOrEmpty(dir))
        {
            var repo = FindRepositoryRoot() ?? throw new InvalidOperationException(
                $"Cannot find the repository root (Provisioner.sln) above {AppContext.BaseDirectory}; set PROVISIONER_LIVE_IMAGE.");
            dir = Path.Combine(repo, "images", "live", "out");
        }

        var files = new LiveImageFiles(dir, Path.Combine(dir, "vmlinuz"), Path.Combine(dir, "initrd.img"), Path.Combine(dir, "manifest.json"));
        var missing = new[] { files.Kernel, files.Initrd, files.Manifest }.Where(f => !File.Exists(f)).ToArray();
        if (missing.Length > 0)
        {
            throw new InvalidOperationException(
                $"The live image is not built ({string.Join(", ", missing.Select(Path.GetFileName))} missing in {dir}): run make live-image (images/live/build.sh).");
        }

        return files;
    }

    /// <summary>The directory holding Provisioner.sln above the running tests, or null.</summary>
    public static string? FindRepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Provisioner.sln")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}
