namespace Provisioner.TestKit.VirtualRack;

/// <summary>The project's test OS (images/test-os/out, built by make test-os): its zstd file and the raw disk's digest and size.</summary>
public sealed record TestOsImage(string ZstdPath, string RawSha256, long RawSizeBytes)
{
    public static TestOsImage Load()
    {
        var dir = RepoPaths.Of("images", "test-os", "out");
        var manifest = Path.Combine(dir, "manifest.sha256");
        if (!File.Exists(manifest))
        {
            throw new InvalidOperationException($"The test OS is not built ({dir}). Run 'make test-os' (make test does).");
        }

        var sha = File.ReadAllLines(manifest).Select(l => l.Split("  ", 2)).Single(p => p[1].Trim() == "disk.img")[0];
        return new TestOsImage(Path.Combine(dir, "disk.img.zst"), sha, new FileInfo(Path.Combine(dir, "disk.img")).Length);
    }
}
