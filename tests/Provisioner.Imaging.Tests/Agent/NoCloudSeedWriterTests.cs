using Provisioner.Agent.Diagnostics;
using Provisioner.Agent.Processes;
using Provisioner.Agent.Protocol;
using Provisioner.Agent.Seed;
using Provisioner.TestKit;

namespace Provisioner.Imaging.Tests.Agent;

/// <summary>
/// The seed partition written into a file standing in for a disk, with Debian's sfdisk, mkfs.fat and mtools, then
/// checked with the same tools plus blkid.
/// </summary>
[Trait("Area", "Agent")]
public sealed class NoCloudSeedWriterTests : IDisposable
{
    private static readonly CloudInitSeed Seed = new(
        "#cloud-config\nhostname: rack1-n17\nusers:\n  - name: ops\n",
        "instance-id: node-17\nlocal-hostname: rack1-n17\n",
        "version: 2\nethernets:\n  eno1:\n    dhcp4: true\n");

    private readonly string _disk = Path.Combine(Path.GetTempPath(), $"seed-disk-{Guid.NewGuid():N}.raw");

    public void Dispose() => File.Delete(_disk);

    private async Task MakeDiskAsync(long bytes, string label, string partitions)
    {
        await using (var f = File.Create(_disk))
        {
            f.SetLength(bytes);
        }

        var sfdisk = Peers.Require("sfdisk", "fdisk");
        await using var p = PeerProcess.Start("sh", ["-c", $"printf '{partitions}' | {sfdisk} --quiet --label {label} {_disk}"]);
        Assert.True(await p.WaitForExitAsync(TimeSpan.FromSeconds(30)) && p.ExitCode == 0, p.Stderr);
    }

    private static async Task<string> RunAsync(string program, params string[] args)
    {
        var (rc, stdout, stderr) = await PeerProcess.RunAsync(program, args, TimeSpan.FromSeconds(30));
        Assert.True(rc == 0, $"{program} {string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    [Fact]
    [Trait("Peer", "sfdisk")]
    [Trait("Peer", "mtools")]
    [Trait("Peer", "blkid")]
    public async Task WriteAsync_GptImageOnLargerDisk_AddsCidataPartitionAtTheEnd()
    {
        Peers.Require("mcopy", "mtools");
        Peers.Require("mkfs.fat", "dosfstools");
        // The "image": 32 MiB GPT with one root partition, on a 64 MiB "disk" (its backup GPT is mid-disk).
        await MakeDiskAsync(32 << 20, "gpt", "start=2048, size=40960, type=L, name=root\\n");
        await using (var f = File.Open(_disk, FileMode.Open))
        {
            f.SetLength(64 << 20);
        }

        var start = await new NoCloudSeedWriter(new ProcessRunner(new LogTail())).WriteAsync(_disk, Seed, default);

        var dump = await RunAsync("sfdisk", "--dump", _disk);
        Assert.Contains("label: gpt", dump, StringComparison.Ordinal);
        Assert.Contains("name=\"root\"", dump, StringComparison.Ordinal);
        Assert.Matches($@"start=\s*{start / 512}, size=\s*16384, type=EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", dump);
        Assert.Contains("name=\"cidata\"", dump, StringComparison.Ordinal);
        Assert.Contains("last-lba: 131038", dump, StringComparison.Ordinal);   // backup GPT moved to the end of the disk
        Assert.True(start + NoCloudSeedWriter.PartitionBytes <= (64 << 20) - (33 * 512));
        var probe = await RunAsync("blkid", "-p", "-O", start.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "export", _disk);
        Assert.Contains("LABEL=CIDATA", probe, StringComparison.Ordinal);
        Assert.Contains("TYPE=vfat", probe, StringComparison.Ordinal);
        var image = $"{_disk}@@{start}";
        Assert.Equal(Seed.UserData, await RunAsync("mtype", "-i", image, "::user-data"));
        Assert.Equal(Seed.MetaData, await RunAsync("mtype", "-i", image, "::meta-data"));
        Assert.Equal(Seed.NetworkConfig, await RunAsync("mtype", "-i", image, "::network-config"));
    }

    [Fact]
    [Trait("Peer", "sfdisk")]
    [Trait("Peer", "mtools")]
    [Trait("Peer", "blkid")]
    public async Task WriteAsync_GptImageOnOneGibDisk_SeedIsReadableFat()
    {
        Peers.Require("mcopy", "mtools");
        Peers.Require("mkfs.fat", "dosfstools");
        // mkfs.fat would pick FAT32 from the size of the whole device, too big a FAT type for the small seed.
        await MakeDiskAsync(32 << 20, "gpt", "start=2048, size=40960, type=L, name=root\\n");
        await using (var f = File.Open(_disk, FileMode.Open))
        {
            f.SetLength(1L << 30); // sparse
        }

        var start = await new NoCloudSeedWriter(new ProcessRunner(new LogTail())).WriteAsync(_disk, Seed, default);

        var probe = await RunAsync("blkid", "-p", "-O", start.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "export", _disk);
        Assert.Contains("LABEL=CIDATA", probe, StringComparison.Ordinal);
        Assert.Contains("TYPE=vfat", probe, StringComparison.Ordinal);
        Assert.Equal(Seed.UserData, await RunAsync("mtype", "-i", $"{_disk}@@{start}", "::user-data"));
    }

    [Fact]
    [Trait("Peer", "sfdisk")]
    [Trait("Peer", "mtools")]
    public async Task WriteAsync_MbrImage_AddsFatPartition()
    {
        await MakeDiskAsync(48 << 20, "dos", "start=2048, size=40960, type=83\\n");

        var start = await new NoCloudSeedWriter(new ProcessRunner(new LogTail())).WriteAsync(_disk, Seed with { NetworkConfig = null }, default);

        var dump = await RunAsync("sfdisk", "--dump", _disk);
        Assert.Matches($@"start=\s*{start / 512}, size=\s*16384, type=c\n", dump);
        var dir = await RunAsync("mdir", "-b", "-i", $"{_disk}@@{start}", "::");
        Assert.Equal(["::/meta-data", "::/user-data"], dir.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("Peer", "sfdisk")]
    public async Task WriteAsync_ImageFillsTheDisk_FailsSayingNoRoom()
    {
        await MakeDiskAsync(32 << 20, "gpt", "start=2048, type=L\\n");

        var e = await Assert.ThrowsAsync<SeedException>(() => new NoCloudSeedWriter(new ProcessRunner(new LogTail())).WriteAsync(_disk, Seed, default));

        Assert.StartsWith("no room for a 8 MiB cidata partition", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Peer", "sfdisk")]
    public async Task WriteAsync_NoPartitionTable_FailsClearly()
    {
        await using (var f = File.Create(_disk))
        {
            f.SetLength(16 << 20);
        }

        var e = await Assert.ThrowsAsync<SeedException>(() => new NoCloudSeedWriter(new ProcessRunner(new LogTail())).WriteAsync(_disk, Seed, default));

        Assert.Contains("no partition table", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDump_GptDump_ReturnsLabelAndEnd()
    {
        var table = NoCloudSeedWriter.ParseDump([
            "label: gpt", "label-id: 1C5E", "device: disk.raw", "unit: sectors", "first-lba: 34", "last-lba: 65502", "",
            "disk.raw1 : start=        2048, size=       40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=A, name=\"root\"",
            "disk.raw2 : start=       43008, size=        2048, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=B",
        ]);

        Assert.Equal(new NoCloudSeedWriter.PartitionTable("gpt", 45056L * 512), table);
    }

    [Fact]
    public void ParseDump_UnknownLabel_Throws()
    {
        Assert.Throws<SeedException>(() => NoCloudSeedWriter.ParseDump(["label: sun"]));
    }
}
