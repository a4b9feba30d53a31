using Provisioner.Imaging.Chunked;
using Provisioner.TestKit;
using Provisioner.TestKit.Imaging;

namespace Provisioner.Imaging.Tests.TestOs;

/// <summary>
/// End to end on real peers: the test OS disk (images/test-os/build.sh) is imported into the chunked format, served over
/// loopback HTTP, deployed by <see cref="ImageDeployer"/> to a file standing in for a disk, and that file then boots
/// under qemu + OVMF (images/test-os/boot-test.sh) through to the test OS's "firstboot done" marker.
/// </summary>
[Trait("Area", "Imaging")]
public sealed class TestOsBootTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Provisioner.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [Fact]
    [Trait("Peer", "qemu")]
    public async Task DeployAsync_TestOsImageChunkedOverHttp_DeployedDiskBootsUnderOvmf()
    {
        Peers.Require("qemu-system-x86_64", "qemu-system-x86");
        Peers.Require("/usr/share/ovmf/OVMF.fd", "ovmf");
        string testOs = Path.Combine(RepoRoot(), "images", "test-os");
        string disk = Path.Combine(testOs, "out", "disk.img");
        if (!File.Exists(disk))
        {
            var (code, _, stderr) = await PeerProcess.RunAsync(Path.Combine(testOs, "build.sh"), [], TimeSpan.FromMinutes(10));
            Assert.True(code == 0, "images/test-os/build.sh failed: " + stderr);
        }
        string work = Path.Combine(Path.GetTempPath(), "prov-testos-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var imported = await ChunkedImageBuilder.ImportAsync(disk, Path.Combine(work, "chunked"),
                new ChunkedImageOptions { ChunkSize = 4 << 20 }, null, CancellationToken.None);
            await using var server = new RangeHttpServer();
            var index = server.Add("testos/index.json", await File.ReadAllBytesAsync(imported.IndexPath));
            server.Add("testos/" + imported.Index.DataFile, await File.ReadAllBytesAsync(imported.DataPath));
            string target = Path.Combine(work, "node-disk.img");

            var result = await new ImageDeployer().DeployAsync(
                new ImageSpec(null, ImageFormat.Chunked, imported.Index.Sha256, IndexUrl: index, IndexSha256: imported.IndexSha256),
                target, null, CancellationToken.None);

            Assert.True(result.ZeroBytesSkipped > 0);
            var (rc, stdout, err) = await PeerProcess.RunAsync(Path.Combine(testOs, "boot-test.sh"),
                [target, Path.Combine(testOs, "out", "seed.img"), "240"], TimeSpan.FromMinutes(5));
            Assert.True(rc == 0, $"deployed disk did not boot:\n{stdout}\n{err}");
            Assert.Contains("PROVISIONER-EVENT firstboot user-data-done rc=0", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
