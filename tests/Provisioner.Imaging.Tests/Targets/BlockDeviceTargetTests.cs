using Provisioner.Imaging.Targets;
using Provisioner.Imaging.Tests.Support;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests.Targets;

/// <summary>A real block device: a loop device over a temp file (root; created and detached by this test only).</summary>
[Trait("Area", "Imaging")]
public sealed class BlockDeviceTargetTests : IDisposable
{
    private readonly TestImage _image = new();

    public void Dispose() => _image.Dispose();

    private static async Task<string> AttachAsync(string backing)
    {
        Peers.RequireRoot();
        var (code, stdout, stderr) = await PeerProcess.RunAsync(Peers.Require("losetup", "mount"), ["-f", "--show", backing], TimeSpan.FromSeconds(20));
        Assert.True(code == 0, "losetup failed: " + stderr);
        return stdout.Trim();
    }

    [Theory]
    [InlineData(false, ZeroMode.ZeroOut)]
    [InlineData(true, ZeroMode.ZeroOut)]
    [InlineData(true, ZeroMode.Write)]
    [Trait("Peer", "losetup")]
    public async Task DeployAsync_LoopDevice_WritesImageAndZeroesZeroRanges(bool directIo, ZeroMode zeroMode)
    {
        string backing = _image.PathOf("backing.img");
        var garbage = new byte[8 * TestImage.Mib];
        Array.Fill(garbage, (byte)0xEE);
        await File.WriteAllBytesAsync(backing, garbage);
        string device = await AttachAsync(backing);
        try
        {
            var options = new ImageDeployOptions { DirectIo = directIo, ZeroMode = zeroMode, BlockSize = 1 << 20 };
            await using (var target = DiskTarget.Open(device, zeroMode, directIo: directIo))
            {
                Assert.True(target.IsBlockDevice);
                Assert.Equal(garbage.Length, target.Capacity);
                var result = await new ImageDeployer(options: options)
                    .DeployStreamAsync(new MemoryStream(_image.Raw), ImageFormat.Raw, _image.Sha256, _image.Raw.Length, target, null, CancellationToken.None);
                Assert.True(result.ZeroBytesSkipped > 0);
            }

            var onDisk = new byte[_image.Raw.Length];
            await using (var fs = new FileStream(device, FileMode.Open, FileAccess.Read))
            {
                await fs.ReadExactlyAsync(onDisk);
            }
            Assert.Equal(_image.Raw, onDisk);
        }
        finally
        {
            await PeerProcess.RunAsync(Peers.Require("losetup", "mount"), ["-d", device], TimeSpan.FromSeconds(20));
        }
    }

    [Fact]
    [Trait("Peer", "losetup")]
    public async Task DeployAsync_LoopDeviceSmallerThanImage_FailsWithTargetTooSmall()
    {
        string backing = _image.PathOf("small.img");
        await File.WriteAllBytesAsync(backing, new byte[2 * TestImage.Mib]);
        string device = await AttachAsync(backing);
        try
        {
            var ex = await Assert.ThrowsAsync<ImageException>(() => new ImageDeployer()
                .DeployAsync(new ImageSpec(new Uri(_image.RawPath), ImageFormat.Raw, _image.Sha256, _image.Raw.Length), device, null, CancellationToken.None));

            Assert.Equal(ImageErrorKind.TargetTooSmall, ex.Kind);
            Assert.Contains(device, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            await PeerProcess.RunAsync(Peers.Require("losetup", "mount"), ["-d", device], TimeSpan.FromSeconds(20));
        }
    }
}
